"""The admin site's titles: this is the clinicians' workspace, not a generic Django admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("RLS Care · clinicians' workspace")
admin.site.site_title = _("RLS Care")
admin.site.index_title = _("Your patients and their care plans")
# The start page leads with the worklist (checklists/admin/worklist.py): who needs attention now.
admin.site.index_template = "admin/worklist/index.html"
