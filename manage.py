#!/usr/bin/env python
"""SafeZone's command line: Django's manage.py, with setup errors turned into one clear line."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safezone.settings")
    from safezone.preflight import run_command_line

    sys.exit(run_command_line(sys.argv))


if __name__ == "__main__":
    main()
