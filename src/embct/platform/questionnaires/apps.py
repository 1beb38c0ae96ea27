from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "embct.platform.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"
