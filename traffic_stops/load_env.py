"""Load ``.env`` from the project root (django-dotenv never overrides set variables)."""

from pathlib import Path

import dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_env() -> None:
    env_file = PROJECT_ROOT / ".env"
    if env_file.exists():
        dotenv.read_dotenv(str(env_file))
