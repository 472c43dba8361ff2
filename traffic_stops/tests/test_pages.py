"""The demo shows something real: home page, about and the admin login work."""

import pytest
from django.contrib.auth.models import User


@pytest.mark.django_db(databases="__all__")
def test_home_page_lists_the_three_states(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("North Carolina", "Maryland", "Illinois"):
        assert name in body
    for key in ("nc", "md", "il"):
        assert f'href="/{key}/"' in body


@pytest.mark.django_db(databases="__all__")
def test_admin_login_with_credentials(client) -> None:
    User.objects.create_superuser("admin", "admin@example.com", "s3cret-pass")
    assert client.get("/admin/").status_code == 302
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "s3cret-pass"}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tsdata/dataset/").status_code == 200
    assert client.get("/admin/nc/agency/").status_code == 200


def test_about_page(client) -> None:
    assert client.get("/about").status_code == 200
