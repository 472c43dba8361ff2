from django.contrib import admin

from census.models import CensusProfile


@admin.register(CensusProfile)
class CensusProfileAdmin(admin.ModelAdmin):
    list_display = ("id", "location", "state", "geography", "total", "source")
    list_filter = ("state", "geography", "source")
    search_fields = ("location", "state", "geography")
    ordering = ("location",)
