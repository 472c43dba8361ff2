from django.contrib import admin

from census.models import CensusProfile


@admin.register(CensusProfile)
class CensusProfileAdmin(admin.ModelAdmin):
    list_display = ("geoid", "year", "location", "state", "geography", "total", "source")
    list_filter = ("year", "state", "geography")
    search_fields = ("geoid", "location")
    ordering = ("location", "-year")
