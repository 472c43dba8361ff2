"""Production settings: `check --deploy` is clean; a missing SECRET_KEY is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "--settings=traffic_stops.settings.production"


def _check(extra_env: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", SETTINGS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_with_required_variables() -> None:
    result = _check(
        {
            "SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-0123456789",
            "ALLOWED_HOSTS": "opendatapolicing.example.org",
            "CACHE_HOST": "127.0.0.1:11211",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_missing_secret_key_is_a_clear_error() -> None:
    result = _check({"ALLOWED_HOSTS": "opendatapolicing.example.org"}, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
