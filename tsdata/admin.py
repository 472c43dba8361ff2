"""Admin of datasets, the import history and state facts (staff only, as all of the admin)."""

from django import forms
from django.contrib import admin, messages
from django.http import JsonResponse
from django.urls import path

from tsdata.imports.admin_display import import_status_cell, import_status_data, report_tables
from tsdata.imports.runs import ImportRefused, dataset_import_queue, import_cancel
from tsdata.models import Dataset, Import, StateFacts, TopAgencyFacts
from tsdata.services import MAGIC_NC_FTP_URL


class DatasetForm(forms.ModelForm):
    """Sources as the import commands take them; FTP only for NC's own server."""

    class Meta:
        model = Dataset
        fields = ("state", "name", "date_received", "url", "destination", "report_email_1",
                  "report_email_2")

    def clean(self) -> dict:
        data = super().clean()
        url, state = data.get("url") or "", data.get("state")
        if url.startswith("ftp://") and state:
            if state != "nc":
                self.add_error("url", f"{state.upper()} imports read HTTP(S), file:// URLs or "
                                      "server paths; FTP is only NC's state server.")
            elif url.rstrip("/") != MAGIC_NC_FTP_URL.rstrip("/"):
                self.add_error("url", f"For NC, FTP means the state's server: {MAGIC_NC_FTP_URL}")
        return data


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    form = DatasetForm
    list_display = ("id", "name", "state", "date_received", "destination", "last_import")
    list_filter = ("state",)
    ordering = ("-date_received",)
    search_fields = ("name", "url")
    date_hierarchy = "date_received"
    actions = ["import_dataset"]

    class Media:
        css = {"all": ("tsdata/admin/imports.css",)}
        js = ("tsdata/admin/import_progress.js",)

    @admin.display(description="last import")
    def last_import(self, obj: Dataset):
        run = obj.imports.order_by("-date_queued", "-id").first()
        return import_status_cell(run) if run is not None else "never"

    @admin.action(description="Import selected dataset", permissions=["change"])
    def import_dataset(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Please select one dataset at a time", messages.ERROR)
            return
        dataset = queryset.get()
        try:
            dataset_import_queue(dataset=dataset, trigger=Import.Trigger.ADMIN,
                                 user=request.user)
        except ImportRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{dataset.name} successfully queued for import.")


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    """The import history: read-only, with live status and the report as tables."""

    list_display = ("id", "what", "state", "started_by_label", "status_cell", "date_started",
                    "date_finished")
    list_filter = ("status", "state", "trigger")
    search_fields = ("dataset__name", "dataset__state", "dataset__url", "source")
    ordering = ("-date_queued", "-id")
    date_hierarchy = "date_queued"
    list_select_related = ("dataset", "started_by")
    actions = ["run_again", "cancel_queued"]
    fields = ("what", "state", "source", "trigger", "started_by", "status_cell", "phase",
              "rows_read", "date_queued", "date_started", "date_finished", "heartbeat", "worker",
              "task_id", "error", "report_tables")
    readonly_fields = fields

    class Media:
        css = {"all": ("tsdata/admin/imports.css",)}
        js = ("tsdata/admin/import_progress.js",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the history is a record; only the actions below act on it

    @admin.display(description="dataset or source")
    def what(self, obj: Import) -> str:
        return str(obj.dataset) if obj.dataset is not None else obj.source

    @admin.display(description="started by")
    def started_by_label(self, obj: Import) -> str:
        return obj.started_by_label

    @admin.display(description="rows read")
    def rows_read(self, obj: Import) -> str:
        return f"{obj.rows:,}"

    @admin.display(description="status", ordering="status")
    def status_cell(self, obj: Import):
        return import_status_cell(obj)

    @admin.display(description="report")
    def report_tables(self, obj: Import):
        return report_tables(obj.report)

    def get_urls(self):
        status = path("status/", self.admin_site.admin_view(self.status_view),
                      name="tsdata_import_status")
        return [status, *super().get_urls()]

    def status_view(self, request) -> JsonResponse:
        """Live fields of the imports named in ``?ids=1,2`` (staff with view permission)."""
        if not self.has_view_permission(request):
            return JsonResponse({"error": "permission denied"}, status=403)
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()]
        runs = Import.objects.filter(pk__in=ids[:200])
        # admin_view already marks it never-cache: every poll reads the database.
        return JsonResponse({"imports": [import_status_data(run) for run in runs]})

    def has_run_permission(self, request) -> bool:
        """Running or cancelling imports takes the right to change datasets."""
        return request.user.has_perm("tsdata.change_dataset")

    @admin.action(description="Run selected imports again (their datasets)", permissions=["run"])
    def run_again(self, request, queryset) -> None:
        for run in queryset.select_related("dataset"):
            if run.dataset is None:
                self.message_user(request, f"Import #{run.pk} has no dataset (started from "
                                           "the shell); run its command again.", messages.ERROR)
                continue
            if run.active:
                self.message_user(request, f"Import #{run.pk} is still {run.status}.",
                                  messages.ERROR)
                continue
            try:
                queued = dataset_import_queue(dataset=run.dataset, trigger=Import.Trigger.ADMIN,
                                              user=request.user)
            except ImportRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            self.message_user(request, f"{run.dataset.name} queued again as Import #{queued.pk}.")

    @admin.action(description="Cancel selected queued imports", permissions=["run"])
    def cancel_queued(self, request, queryset) -> None:
        cancelled = [run.pk for run in queryset if import_cancel(run=run, user=request.user)]
        self.message_user(request, f"Cancelled {len(cancelled)} queued import(s).")


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
