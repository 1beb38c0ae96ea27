"""The course as loaded from Markdown files (see :mod:`.loader`). Content is versioned: a
patient stays on the course version they started with, a new version is a new ``Course``."""

from __future__ import annotations

from pathlib import Path

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    slug = models.SlugField(max_length=80)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    language = models.CharField(
        max_length=35,
        default="en",
        help_text=_("language of the course's texts (a code such as en or nl)"),
    )
    demo = models.BooleanField(default=False)
    silent_day_week = models.PositiveSmallIntegerField(default=6)
    feedback_note = models.TextField(blank=True)
    intro_html = models.TextField(blank=True)
    preparation_title = models.CharField(max_length=200, blank=True)
    preparation_html = models.TextField(blank=True)
    source_dir = models.CharField(max_length=1000, help_text=_("folder the course was loaded from"))
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="course_slug_version_unique")
        ]
        ordering = ["slug", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @classmethod
    def current(cls, language: str | None = None) -> Course | None:
        """The course a new patient follows: the most recently loaded highest version in
        ``language`` (the patient's, ``User.language``), else in a language that shares its
        primary subtag (``nl-BE`` for ``nl``), else in any language; without ``language``,
        the newest of all."""
        newest = cls.objects.order_by("-version", "-loaded_at")
        if language:
            primary = language.split("-")[0].lower()
            same = newest.filter(language__iexact=language).first()
            if same is not None:
                return same
            kin = newest.filter(
                models.Q(language__iexact=primary) | models.Q(language__istartswith=primary + "-")
            ).first()
            if kin is not None:
                return kin
        return newest.first()

    def file(self, relative: str) -> Path | None:
        """A file of the course folder, or None when it would lie outside it or is missing."""
        root = Path(self.source_dir).resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path


class CourseSession(models.Model):
    """One of the 9 course weeks: a numbered weekly session or the silent day."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    week = models.PositiveSmallIntegerField(help_text=_("course week in which it opens (1-9)"))
    number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("1-8; empty for the silent day")
    )
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    intro_html = models.TextField(blank=True)
    handout_title = models.CharField(max_length=200, blank=True)
    handout_html = models.TextField(blank=True)
    examples_html = models.TextField(blank=True, help_text=_("text above the example diaries"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "week"], name="course_session_week_unique"),
            models.UniqueConstraint(fields=["course", "slug"], name="course_session_slug_unique"),
        ]
        ordering = ["course_id", "week"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_silent_day(self) -> bool:
        return self.number is None

    @property
    def label(self) -> str:
        """ "Session 3" or "Silent day", in the current language."""
        if self.number is None:
            return gettext("Silent day")
        return gettext("Session %(number)s") % {"number": self.number}


class ExerciseKind(models.TextChoices):
    FORMAL = "formal", _("Formal practice")
    INFORMAL = "informal", _("Informal practice")
    OTHER = "other", _("Other")


class Exercise(models.Model):
    session = models.ForeignKey(CourseSession, on_delete=models.CASCADE, related_name="exercises")
    order = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ExerciseKind.choices)
    audio = models.CharField(max_length=300, blank=True, help_text=_("path in the course folder"))
    transcript = models.TextField(blank=True)
    suggested_minutes = models.PositiveSmallIntegerField(default=0)
    diary = models.BooleanField(default=True, help_text=_("kept in the diary (log file)"))
    instructions_html = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "slug"], name="exercise_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in ExerciseKind]),
                name="exercise_kind_valid",
            ),
        ]
        ordering = ["session_id", "order"]

    def __str__(self) -> str:
        return self.title


class ExampleEntry(models.Model):
    """A fictional patient's diary entry, shown as an example of what a diary can hold."""

    session = models.ForeignKey(CourseSession, on_delete=models.CASCADE, related_name="examples")
    order = models.PositiveSmallIntegerField()
    author = models.CharField(max_length=100)
    exercise_title = models.CharField(max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True)
    thoughts = models.TextField(blank=True)
    feelings = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["session_id", "order"]

    def __str__(self) -> str:
        return f"{self.author}: {self.exercise_title}"
