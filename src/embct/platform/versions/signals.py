"""The receivers that replace the data's versions (:mod:`.services`), connected by
VersionsConfig.ready for every concrete model derived from Versioned."""

from __future__ import annotations

import uuid
from typing import Any

from django.apps import AppConfig, apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

from . import services
from .models import DataVersion, Versioned


def _written(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    services.bump_written(sender, using=using)


def _loaded(sender: Any, instance: DataVersion, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata: the dump's token belonged to the dump's source, not to this database
        instance.token = uuid.uuid4()


def _migrated(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    state = kwargs.get("apps") or apps
    try:
        model = state.get_model("versions", "DataVersion")
    except LookupError:  # the table not made yet (a partial migrate)
        return
    for name in services.NAMES:
        model.objects.using(using).update_or_create(name=name, defaults={"token": uuid.uuid4()})


def connect(config: AppConfig) -> None:
    """``post_save`` and ``post_delete`` for each concrete Versioned model (Django then never
    takes its fast delete path that would skip them), and ``post_migrate`` for this app's
    config (sent once per ``migrate`` and ``flush``)."""
    for model in apps.get_models():
        if issubclass(model, Versioned):
            uid = f"embct-version-{model._meta.label_lower}"
            post_save.connect(_written, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(_written, sender=model, dispatch_uid=f"{uid}-delete")
    pre_save.connect(_loaded, sender=DataVersion, dispatch_uid="embct-version-loaded")
    post_migrate.connect(_migrated, sender=config, dispatch_uid="embct-version-migrated")
