from django.urls import path

from . import views

app_name = "research"
urlpatterns = [
    path("screening/", views.screening, name="screening"),
    path("research/", views.dashboard, name="dashboard"),
    path(
        "research/screenings/<int:screening_id>/eligibility/",
        views.eligibility,
        name="eligibility",
    ),
    path(
        "research/screenings/<int:screening_id>/attempt/",
        views.call_attempt,
        name="call_attempt",
    ),
    path(
        "research/screenings/<int:screening_id>/close/",
        views.close_call,
        name="close_call",
    ),
    path(
        "research/screenings/<int:screening_id>/remove/",
        views.remove_screening,
        name="remove_screening",
    ),
    path("research/participants/<int:participant_id>/", views.participant, name="participant"),
    path("research/participants/<int:participant_id>/consent/", views.consent, name="consent"),
    path("research/participants/<int:participant_id>/baseline/", views.baseline, name="baseline"),
    path(
        "research/participants/<int:participant_id>/randomize/",
        views.randomize,
        name="randomize",
    ),
    path("research/participants/<int:participant_id>/withdraw/", views.withdraw, name="withdraw"),
    path("research/participants/<int:participant_id>/referral/", views.referral, name="referral"),
    path("research/participants/<int:participant_id>/link/", views.link, name="link"),
    path(
        "research/participants/<int:participant_id>/correct/eligibility/",
        views.correct_eligibility,
        name="correct_eligibility",
    ),
    path(
        "research/participants/<int:participant_id>/correct/consent/",
        views.correct_consent,
        name="correct_consent",
    ),
    path(
        "research/participants/<int:participant_id>/correct/baseline/",
        views.correct_baseline,
        name="correct_baseline",
    ),
    path(
        "research/participants/<int:participant_id>/correct/withdrawal/",
        views.correct_withdrawal,
        name="correct_withdrawal",
    ),
    path(
        "research/participants/<int:participant_id>/correct/withdrawal-in-error/",
        views.withdrawal_in_error,
        name="withdrawal_in_error",
    ),
    path("research/export/", views.export_file, name="export"),
    path("research/report/", views.report, name="report"),
]
