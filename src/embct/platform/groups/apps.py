from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "embct.platform.groups"
    label = "groups"
    verbose_name = "MBCT groups"
