#!/usr/bin/env python
"""Django's command-line utility; loads ``.env`` first."""

import os
import sys

from traffic_stops.load_env import load_env


def main() -> None:
    load_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traffic_stops.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
