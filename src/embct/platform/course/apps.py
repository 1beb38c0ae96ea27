from django.apps import AppConfig


class CourseConfig(AppConfig):
    name = "embct.platform.course"
    label = "course"
    verbose_name = "Course"
