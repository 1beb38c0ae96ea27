from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.download, name="download"),
]
