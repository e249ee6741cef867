"""WSGI entry point (gunicorn); WSGI measured 4-8x faster than ASGI on these machines."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lvzhi.settings")
application = get_wsgi_application()
