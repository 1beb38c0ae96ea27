"""The wording of each questionnaire: the site's licensed content pack, or placeholders.

``EMBCT_CONTENT_PACKS`` (settings) maps an instrument key to a content pack file
(:func:`embct.instruments.load_content_pack` validates it against the built-in key). Without
one, the neutral placeholders of :func:`embct.instruments.placeholder_pack` are shown.
"""

from __future__ import annotations

import functools

from django.conf import settings

from embct.instruments import ContentPack, load_content_pack, placeholder_pack


@functools.cache
def _pack(key: str, path: str | None) -> ContentPack:
    return placeholder_pack(key) if path is None else load_content_pack(path)


def content_pack(key: str) -> ContentPack:
    """The pack for instrument ``key`` (cached per process)."""
    paths = getattr(settings, "EMBCT_CONTENT_PACKS", {}) or {}
    path = paths.get(key)
    return _pack(key, None if path is None else str(path))
