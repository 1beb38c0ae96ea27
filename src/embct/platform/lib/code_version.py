"""A hash of the code that makes a cached page or report, for the keys of caches shared by
several hosts: a host running other code (a deploy under way) does not take this code's
entries, nor they its."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import embct


@functools.cache
def code_version() -> str:
    """A hash of the package's sources, templates and catalogues (and the versions of embct
    and Django), read once per process."""
    import django

    root = Path(embct.__file__).parent
    digest = hashlib.sha256(f"{embct.__version__} {django.get_version()}".encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".mo"} and "course_content" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
