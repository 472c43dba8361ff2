from django.contrib import admin

from il.models import Agency
from tsdata.agency_admin import StateAgencyAdmin


@admin.register(Agency)
class AgencyAdmin(StateAgencyAdmin):
    list_display = ("id", "name", "census_profile_id", "code")
    search_fields = ("name", "code")
