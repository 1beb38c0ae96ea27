from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "embct.platform.care"
    label = "care"
    verbose_name = "Care"
