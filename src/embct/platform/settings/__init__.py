"""Settings: :mod:`.base` (the default, safe for a demo and tests) and :mod:`.production`."""
