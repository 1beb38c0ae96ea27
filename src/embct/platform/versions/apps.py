from django.apps import AppConfig


class VersionsConfig(AppConfig):
    name = "embct.platform.versions"
    label = "versions"
    verbose_name = "Data versions"

    def ready(self) -> None:
        from . import signals

        signals.connect(self)  # every write to the study data replaces its version
