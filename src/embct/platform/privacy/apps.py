from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "embct.platform.privacy"
    label = "privacy"
    verbose_name = "Privacy"
