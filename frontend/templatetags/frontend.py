from django import template
from django.templatetags.static import static

from frontend import assets

register = template.Library()


@register.simple_tag
def frontend_asset(kind: str) -> str:
    """Return the static URL of the built bundle's ``kind`` ("js" or "css"), content-hashed."""
    return static(assets.manifest()[kind])
