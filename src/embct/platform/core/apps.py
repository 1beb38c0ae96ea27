from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "embct.platform.core"
    label = "core"
    verbose_name = "Core"
