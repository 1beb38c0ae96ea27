"""WSGI entry point (``embct serve`` and gunicorn use it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "embct.platform.settings.base")
application = get_wsgi_application()
