"""The embct web platform: a Django project whose apps live in this package.

It is the only part of embct that imports Django. Scoring and statistics come from the
core packages (:mod:`embct.instruments`, :mod:`embct.analysis`, ...), never re-implemented here.
"""

import os

DEFAULT_SETTINGS = "embct.platform.settings.base"


def setup(settings_module: str | None = None) -> None:
    """Point Django at embct's settings (unless already chosen) and call ``django.setup()``."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module or DEFAULT_SETTINGS)
    django.setup()
    from django.conf import settings

    from embct.platform.lib.private_files import make_data_dir

    make_data_dir(settings.DATA_DIR)
