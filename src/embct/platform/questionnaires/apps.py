from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "embct.platform.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from embct.platform.care.models import PatientProfile

        from .signals import schedule_for_profile

        post_save.connect(schedule_for_profile, sender=PatientProfile, dispatch_uid="q-schedule")
