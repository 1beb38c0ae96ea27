"""Versions of data for cache keys that can never serve stale data, across processes and hosts.

A body of data (``study``: what the research dashboard's summary of the trial reads, its
CONSORT flow and referrals to record) has one row in
:class:`~embct.platform.versions.models.DataVersion`; every write to it replaces the row's
random token *in the write's own transaction*. A reader makes its cache key from the token it
reads: a change committed gives a new token, so a new key, on every process and host at once,
and the old entry is never read again (it expires). The token lives in the database, not in
the cache or in a process, so it is right with the local-memory cache of several workers and
with one Redis shared by several hosts.

The bodies (:data:`~embct.platform.versions.models.NAMES`): ``study``, what the research
dashboard's summary reads (models derived from
:class:`~embct.platform.versions.models.StudyData`), and ``responses``, the questionnaire
responses and patient profiles, what the export reads beyond it (the live report is keyed on
both).

What replaces a token (embct.platform.versions.signals, for every model derived from
:class:`~embct.platform.versions.models.Versioned`, each token its ``data_versions`` names):

- a save (``post_save``: ``Model.save``, ``create``, ``get_or_create``, ``update_or_create``,
  and ``loaddata``, which saves raw), a delete (``post_delete``, cascades included), and the
  querysets' ``update``, ``bulk_update`` and ``bulk_create`` (VersionedQuerySet);
- every ``migrate`` and ``flush`` (``post_migrate``): a data migration writes through
  historical models, which send no signal to these receivers;
- ``loaddata`` of a DataVersion row itself gets a new token, not the dumped one.

Raw SQL that writes these tables must call :func:`bump` in its transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from .models import NAMES, RESPONSES, STUDY, DataVersion

__all__ = ["NAMES", "RESPONSES", "STUDY", "bump", "bump_written", "current"]


def bump(name: str = STUDY, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the token of ``name``, in the current transaction: call it in the transaction
    of the write (the row is locked until that commits, so concurrent writers take turns)."""
    versions = DataVersion.objects.using(using)
    if not versions.filter(name=name).update(token=uuid.uuid4()):
        versions.get_or_create(name=name)  # the row was gone (a flushed database): a new one


def bump_written(model: Any, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace every token a write to ``model`` replaces (its ``data_versions``), in the
    current transaction."""
    for name in model.data_versions:
        bump(name, using=using)


def current(*names: str, using: str = DEFAULT_DB_ALIAS) -> str:
    """The tokens of ``names`` (default: ``study``) as committed now, in hex, joined by ``-``:
    one read by primary key."""
    names = names or (STUDY,)
    versions = DataVersion.objects.using(using)
    found = dict(versions.filter(name__in=names).values_list("name", "token"))
    for name in names:
        if name not in found:  # never written, or flushed: a fresh token, unlike any cached one
            found[name] = versions.get_or_create(name=name)[0].token
    return "-".join(found[name].hex for name in names)
