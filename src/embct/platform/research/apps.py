from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "embct.platform.research"
    label = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
