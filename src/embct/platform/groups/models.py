from __future__ import annotations

from django.conf import settings
from django.db import models

from embct.platform.course.models import Course, CourseSession
from embct.platform.versions.models import StudyData


class MbctGroup(models.Model):
    name = models.CharField(max_length=100)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mbct_groups",
        limit_choices_to={"role": "therapist"},
    )
    location = models.CharField(max_length=200)
    course = models.ForeignKey(Course, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return self.name


class GroupMeeting(models.Model):
    """One of the group's 9 meetings (8 weekly sessions and the silent day), on a date."""

    group = models.ForeignKey(MbctGroup, on_delete=models.CASCADE, related_name="meetings")
    session = models.ForeignKey(CourseSession, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()

    class Meta:
        ordering = ["group", "date"]
        constraints = [
            models.UniqueConstraint(fields=["group", "session"], name="groups_meeting_unique")
        ]

    def __str__(self) -> str:
        return f"meeting #{self.pk}"


class Attendance(StudyData):
    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, related_name="attendance")
    patient = models.ForeignKey(
        "care.PatientProfile", on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "patient"], name="groups_attendance_unique")
        ]

    def __str__(self) -> str:
        return f"attendance #{self.pk}"
