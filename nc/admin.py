from django.contrib import admin

from nc.models import Agency, AgencyAlias


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "census_profile_id")
    list_editable = ("census_profile_id",)
    search_fields = ("name",)


@admin.register(AgencyAlias)
class AgencyAliasAdmin(admin.ModelAdmin):
    list_display = ("raw_name", "agency")
    search_fields = ("raw_name", "agency__name")
    autocomplete_fields = ("agency",)
