from django.urls import path

from . import views

app_name = "security"
urlpatterns = [
    path("account/two-factor/", views.verify, name="verify"),
    path("account/two-factor/enrol/", views.enrol, name="enrol"),
    path("account/two-factor/enrolment-code/", views.enrolment_code, name="enrolment_code"),
    path("account/two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("account/confirm-password/", views.reauth, name="reauth"),
]
