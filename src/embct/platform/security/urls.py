from django.urls import path

from . import views

app_name = "security"
urlpatterns = [
    path("account/two-factor/", views.verify, name="verify"),
    path("account/two-factor/enrol/", views.enrol, name="enrol"),
    path("account/two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("account/confirm-password/", views.reauth, name="reauth"),
]
