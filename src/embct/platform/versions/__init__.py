"""Versions of data for cache keys that never serve stale data (see :mod:`.services`)."""
