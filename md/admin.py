from django.contrib import admin

from md.models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "census_profile_id", "code")
    list_editable = ("census_profile_id",)
    search_fields = ("name", "code")
