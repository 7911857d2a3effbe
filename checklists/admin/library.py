from django.contrib import admin

from checklists.models import ChecklistTemplate, TemplateItem


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 0
    fields = ["position", "text", "help_text", "source"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "item_count"]
    list_filter = ["category"]
    search_fields = ["name"]
    inlines = [TemplateItemInline]

    @admin.display(description="items")
    def item_count(self, obj: ChecklistTemplate) -> int:
        return obj.items.count()
