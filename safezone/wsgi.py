"""WSGI entry point. Refuses to start on a database that is unreachable or not migrated."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safezone.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from safezone.preflight import SetupError, check_database_ready  # noqa: E402

application = get_wsgi_application()
try:
    check_database_ready()
except SetupError as exc:
    print(f"SafeZone: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
