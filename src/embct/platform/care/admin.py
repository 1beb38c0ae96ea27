"""The administrator's pages (Django admin, for users with the admin role only): create
therapists and patients, assign therapist, arm, start date and feedback day, reset passwords
(on the user's page), link supervisors."""

from django.contrib import admin

from .models import PatientProfile, Supervision


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "user",
        "therapist",
        "arm",
        "start_date",
        "feedback_weekday",
        "group",
    )
    list_filter = ("arm", "therapist", "feedback_weekday")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
    fields = ("user", "therapist", "arm", "start_date", "feedback_weekday", "course", "group")


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ("therapist", "supervisor")
