"""Sign-up and sign-in by e-mail (django-allauth), in the product's own layout."""

import pytest

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_up_with_an_email_address(client):
    page = client.get("/accounts/signup/")
    html = page.content.decode()
    assert "VIP Tracker" in html and "vendor/bootstrap" in html  # our layout, not allauth's
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@partner.example",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new@partner.example").exists()
    assert client.get("/dashboard/").status_code == 200  # signed in


def test_sign_up_errors_are_shown(client):
    response = client.post(
        "/accounts/signup/", {"email": "bad", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 200
    assert User.objects.count() == 0
    html = response.content.decode()
    # Inline, under the field it concerns, and the field is marked invalid.
    assert 'class="invalid-feedback d-block"' in html
    assert 'aria-invalid="true"' in html and 'name="email"' in html
    assert '<label class="form-label" for="id_email">' in html


def test_sign_in_with_email_and_password(client, owner):
    response = client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_password_is_refused(client, owner):
    response = client.post("/accounts/login/", {"login": owner.email, "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/dashboard/").status_code == 302


def test_sign_out(client, owner):
    client.force_login(owner)
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302
