"""Data versions: a token per body of data, replaced in the same transaction as every write to
it, so that a cache key made from the token changes with the data (:mod:`.services`).

:class:`StudyData` is the base of the models whose rows the research dashboard's summary of
the whole trial reads (the CONSORT flow: screenings, participants, allocations, withdrawals,
log files sent, group attendance; the referrals to record): saving, deleting, updating or
bulk-creating any of them replaces the ``study`` token."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, TypeVar

from django.db import models, router, transaction


class DataVersion(models.Model):
    """The current version of one body of data: a random token (never a counter, so that a
    database restored from a backup, or a test database made afresh, cannot meet a cache entry
    made from another history under the same token)."""

    name = models.CharField(max_length=32, primary_key=True)
    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return f"{self.name} {self.token}"


#: The data the research dashboard's study summary reads (embct.platform.research.live).
STUDY = "study"
#: What the export reads beyond :data:`STUDY`: the questionnaire responses, the patient profiles.
RESPONSES = "responses"
#: Every token (each ``migrate`` and ``flush`` makes them all afresh).
NAMES = (STUDY, RESPONSES)

_M = TypeVar("_M", bound=models.Model)


def _written(model: Any, using: str) -> None:
    from .services import bump_written

    bump_written(model, using=using)


class VersionedQuerySet(models.QuerySet[_M]):
    """The bulk writes of a :class:`Versioned` model, each with its tokens replaced in its
    transaction. ``bulk_update`` is a series of ``update`` calls; ``delete`` goes through
    the deletion collector, which sends ``post_delete`` for every row inside its transaction
    (the receivers of embct.platform.versions.signals are connected for these models, so Django
    never takes its fast path that would skip the signal)."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            rows = super().update(**kwargs)
            if rows:
                _written(self.model, self.db)
        return rows

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[_M]:
        with transaction.atomic(using=self.db, savepoint=False):
            made = super().bulk_create(objs, *args, **kwargs)
            if made:
                _written(self.model, self.db)
        return made

    bulk_create.alters_data = True  # type: ignore[attr-defined]


class Versioned(models.Model):
    """Abstract base of the models whose writes replace the tokens named in
    ``data_versions``: a save runs in a transaction (one of its own when there is none), so
    that the ``post_save`` receiver replaces them in the same transaction as the row; a crash
    between the two cannot leave a changed row under an old token."""

    #: The tokens a write replaces (names of :data:`NAMES`, in its order).
    data_versions: ClassVar[tuple[str, ...]] = ()

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)


class StudyData(Versioned):
    """Abstract base of the models the dashboard's study summary reads (and the export)."""

    data_versions = (STUDY,)

    class Meta:
        abstract = True
