from django.contrib import admin

from nc.models import Agency, AgencyAlias
from tsdata.agency_admin import StateAgencyAdmin


@admin.register(Agency)
class AgencyAdmin(StateAgencyAdmin):
    pass


@admin.register(AgencyAlias)
class AgencyAliasAdmin(admin.ModelAdmin):
    list_display = ("raw_name", "agency")
    search_fields = ("raw_name", "agency__name")
    autocomplete_fields = ("agency",)
