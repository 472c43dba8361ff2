"""Writes with side effects that several entry points share (commands, admin, tasks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.contrib.auth import get_user_model

# state key -> callable(force: bool) -> message; state apps register their demo loaders.
DEMO_LOADERS: dict[str, Callable[[bool], str]] = {}


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
    """Run each registered state demo loader; yields one message per state."""
    if not DEMO_LOADERS:
        yield "No sample-data loaders are registered yet."
    for state, loader in DEMO_LOADERS.items():
        yield f"{state}: {loader(force)}"
