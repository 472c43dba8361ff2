from django.apps import AppConfig


class NCConfig(AppConfig):
    name = "nc"
    verbose_name = "North Carolina"

    def ready(self) -> None:
        from tsdata.stats.summaries import summary_post_load_step_register

        summary_post_load_step_register(self.name)
