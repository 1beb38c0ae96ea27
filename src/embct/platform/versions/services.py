"""Versions of data for cache keys that can never serve stale data, across processes and hosts.

A body of data (``study``: what the research dashboard's summary of the trial reads, its
CONSORT flow and referrals to record) has one row in
:class:`~embct.platform.versions.models.DataVersion`; every write to it replaces the row's
random token *in the write's own transaction*. A reader makes its cache key from the token it
reads: a change committed gives a new token, so a new key, on every process and host at once,
and the old entry is never read again (it expires). The token lives in the database, not in
the cache or in a process, so it is right with the local-memory cache of several workers and
with one Redis shared by several hosts.

What replaces the token (embct.platform.versions.signals, for every model derived from
:class:`~embct.platform.versions.models.StudyData`):

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

from django.db import DEFAULT_DB_ALIAS

from .models import DataVersion

#: The data the research dashboard's study summary reads (embct.platform.research.live).
STUDY = "study"


def bump(name: str = STUDY, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the token of ``name``, in the current transaction: call it in the transaction
    of the write (the row is locked until that commits, so concurrent writers take turns)."""
    versions = DataVersion.objects.using(using)
    if not versions.filter(name=name).update(token=uuid.uuid4()):
        versions.get_or_create(name=name)  # the row was gone (a flushed database): a new one


def current(name: str = STUDY, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """The token of ``name`` as committed now (hex): one primary-key read."""
    versions = DataVersion.objects.using(using)
    token = versions.filter(name=name).values_list("token", flat=True).first()
    if token is None:  # never written, or flushed: a fresh token, unlike any cached one
        token = versions.get_or_create(name=name)[0].token
    return str(token.hex)
