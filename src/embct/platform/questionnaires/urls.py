from django.urls import path

from . import views

app_name = "questionnaires"
urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="list"),
    path("questionnaires/<int:assessment_id>/", views.fill, name="fill"),
    path("warnings/", views.warnings, name="warnings"),
    path("patients/<int:patient_id>/measures/", views.measures, name="measures"),
    path("flags/<int:flag_id>/acknowledge/", views.acknowledge, name="acknowledge"),
]
