"""How the admin shows where a flag, note or band comes from: "source: ..., rules <tag>".

Every clinical rule module declares a ``Ruleset`` (checklists/careplan/content.py). The admin renders
it beside what it produced, so a clinician can judge the rule and see which version made the finding.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from checklists.careplan.content import Ruleset


def rule_source_text(ruleset: Ruleset, *, rule_version: str = "") -> str:
    """Return the plain-text source line of ``ruleset`` (for CSV, reports and tests).

    ``rule_version`` is the tag stored with a finding; when given it is shown instead of the current
    tag, so an old finding names the rules that produced it, not today's.
    """
    return _("source: %(sources)s; rules %(tag)s; reviewed %(date)s, reviewer: %(reviewer)s") % {
        "sources": "; ".join(ruleset.sources),
        "tag": rule_version or ruleset.tag,
        "date": ruleset.reviewed_on.isoformat(),
        "reviewer": ruleset.reviewer_role or _("not recorded"),
    }


def rule_source_html(ruleset: Ruleset, *, rule_version: str = "") -> SafeString:
    """Return the source line of ``ruleset`` as escaped HTML in a ``<small class="rule-source">``.

    Use it beside a flag, note or band in an admin list, inline or readonly field. ``rule_version``:
    see ``rule_source_text``.
    """
    sources = format_html_join("; ", "{}", ((source,) for source in ruleset.sources))
    return format_html(
        '<small class="rule-source">{} {}; {} {}; {} {}, {} {}</small>',
        _("source:"),
        sources,
        _("rules"),
        rule_version or ruleset.tag,
        _("reviewed"),
        ruleset.reviewed_on.isoformat(),
        _("reviewer:"),
        ruleset.reviewer_role or _("not recorded"),
    )
