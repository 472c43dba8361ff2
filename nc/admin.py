from django.contrib import admin

from nc.models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "census_profile_id")
    list_editable = ("census_profile_id",)
    search_fields = ("name",)
