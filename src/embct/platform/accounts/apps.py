from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "embct.platform.accounts"
    label = "accounts"
    verbose_name = "Accounts"
