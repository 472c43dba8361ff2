"""Writes with side effects that several entry points share (commands, admin, tasks)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

from django.contrib.auth import get_user_model

from tsdata.states import STATE_KEYS


def admin_user_ensure(*, username: str, password: str) -> bool:
    """Create the superuser ``username`` or reset its password; True when created."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    return created


def demo_data_load(*, force: bool = False) -> Iterator[str]:
    """Run each state's ``<state>.demo.demo_load(force=...)``; one message per state."""
    for state in STATE_KEYS:
        try:
            module = import_module(f"{state}.demo")
        except ModuleNotFoundError:
            yield f"{state}: no sample-data loader yet"
            continue
        yield f"{state}: {module.demo_load(force=force)}"
