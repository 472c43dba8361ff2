from django.contrib import admin, messages

from tsdata.models import Dataset, Import, StateFacts, TopAgencyFacts


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "state", "date_received", "destination")
    list_filter = ("state",)
    ordering = ("-date_received",)
    search_fields = ("name", "url")
    date_hierarchy = "date_received"
    actions = ["import_dataset"]

    @admin.action(description="Import selected dataset")
    def import_dataset(self, request, queryset) -> None:
        from tsdata.tasks import import_dataset as import_dataset_task

        if queryset.count() != 1:
            self.message_user(request, "Please select one dataset at a time", messages.ERROR)
            return
        dataset = queryset.get()
        import_dataset_task.delay(dataset.pk)
        self.message_user(request, f"{dataset.name} successfully queued for import.")


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = ("id", "dataset", "date_started", "date_finished", "successful")
    list_filter = ("successful",)
    search_fields = ("dataset__name", "dataset__state", "dataset__url")
    ordering = ("-date_started",)
    date_hierarchy = "date_started"
    readonly_fields = ("date_started", "report", "error")


class TopAgencyFactsInline(admin.TabularInline):
    model = TopAgencyFacts
    extra = 0
    can_delete = False
    readonly_fields = ("rank", "agency_id", "stops", "name")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StateFacts)
class StateFactsAdmin(admin.ModelAdmin):
    list_display = ("state_key", "total_stops", "total_searches", "total_agencies")
    inlines = [TopAgencyFactsInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
