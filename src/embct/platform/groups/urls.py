from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("groups/", views.group_list, name="list"),
    path("groups/<int:group_id>/", views.group_detail, name="detail"),
    path(
        "groups/<int:group_id>/meetings/<int:meeting_id>/attendance/",
        views.record_attendance,
        name="attendance",
    ),
    path("my-group/", views.my_group, name="mine"),
]
