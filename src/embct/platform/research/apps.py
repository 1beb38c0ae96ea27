from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "embct.platform.research"
    label = "research"
    verbose_name = "Research"
