from django.apps import AppConfig


class MDConfig(AppConfig):
    name = "md"
    verbose_name = "Maryland"

    def ready(self) -> None:
        from tsdata.stats.summaries import summary_post_load_step_register

        summary_post_load_step_register(self.name)
