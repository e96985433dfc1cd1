import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# gunicorn does not run Django's system checks: refuse to serve with a key ring that cannot
# decrypt what is stored, or with generated secrets in production.
from integrations.checks import startup_guard  # noqa: E402

startup_guard()
