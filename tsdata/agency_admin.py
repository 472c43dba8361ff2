"""The agency admin shared by the three states: an edit moves the state's data version on.

Dashboards and API answers are cached per data version; a GEOID typed into the admin must
show on the agency's dashboard at once, not after the next import.
"""

from __future__ import annotations

from django.contrib import admin

from tsdata.data_version import data_version_bump


class StateAgencyAdmin(admin.ModelAdmin):
    list_display: tuple[str, ...] = ("id", "name", "census_profile_id")
    list_editable = ("census_profile_id",)
    search_fields: tuple[str, ...] = ("name",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        data_version_bump(obj._meta.app_label)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        data_version_bump(obj._meta.app_label)
