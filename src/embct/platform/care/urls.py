from django.urls import path

from . import admin_views, views

app_name = "care"
urlpatterns = [
    path("week/", views.week, name="week"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("sessions/<int:session_id>/diary/", views.diary, name="diary"),
    path("sessions/<int:session_id>/send/", views.send_logs, name="send_logs"),
    path("silent-day/preparation/", views.preparation, name="preparation"),
    path("progress/", views.my_progress, name="progress"),
    path("account/notifications/", views.notifications, name="notifications"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/write/", views.write_message, name="write_message"),
    path("exercises/<int:exercise_id>/audio/", views.audio, name="audio"),
    path("caseload/", views.caseload, name="caseload"),
    path("queue/", views.queue, name="queue"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient"),
    path("patients/<int:patient_id>/write/", views.write_feedback, name="write_feedback"),
    path("patients/<int:patient_id>/draft/", views.save_draft, name="save_draft"),
    path("patients/<int:patient_id>/notes/", views.memos, name="memos"),
    path("patients/<int:patient_id>/concern/", views.raise_concern, name="raise_concern"),
    path("concerns/", views.concerns, name="concerns"),
    path(
        "concerns/<int:concern_id>/acknowledge/",
        views.acknowledge_concern,
        name="acknowledge_concern",
    ),
    path("profile/", views.my_profile, name="my_profile"),
    path("therapists/<int:therapist_id>/photo/", views.therapist_photo, name="therapist_photo"),
    path("snippets/", views.snippets, name="snippets"),
    path("snippets/<int:snippet_id>/", views.edit_snippet, name="edit_snippet"),
    path("snippets/<int:snippet_id>/delete/", views.delete_snippet, name="delete_snippet"),
    path("supervision/", views.supervision, name="supervision"),
    path("clinic/", admin_views.clinic, name="clinic"),
    path("clinic/patients/new/", admin_views.new_patient, name="new_patient"),
    path("clinic/therapists/new/", admin_views.new_therapist, name="new_therapist"),
    path("clinic/patients/<int:profile_id>/", admin_views.assign, name="assign"),
    path(
        "clinic/accounts/<int:user_id>/password/",
        admin_views.reset_password,
        name="reset_password",
    ),
    path(
        "clinic/accounts/<int:user_id>/two-factor/",
        admin_views.reset_second_factor,
        name="reset_second_factor",
    ),
]
