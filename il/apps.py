from django.apps import AppConfig


class ILConfig(AppConfig):
    name = "il"
    verbose_name = "Illinois"

    def ready(self) -> None:
        from tsdata.stats.summaries import summary_post_load_step_register

        summary_post_load_step_register(self.name)
