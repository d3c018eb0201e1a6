"""The product's own 404 and 500 pages (the demo runs without DEBUG, so nobody sees Django's
debug pages with the URL list and settings), and the favicon."""

import pytest
from django.test import Client

from tests.config.test_settings import manage

pytestmark = pytest.mark.django_db


def test_the_demos_settings_run_without_debug(monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)  # what `make demo` runs with, unless told
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DATABASE_URL": "sqlite://:memory:"}
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_an_unknown_page_is_the_products_404(client, owner):
    client.force_login(owner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<h1 class="h3">Not found</h1>' in page
    assert 'href="/dashboard/"' in page  # the product's navigation, for the signed-in person
    assert "URLconf" not in page and "Page not found" not in page  # not Django's page


@pytest.mark.urls("tests.config.error_urls")
def test_a_failing_page_is_the_products_500_and_the_api_answers_json():
    client = Client(raise_request_exception=False)
    response = client.get("/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    assert '<h1 class="h3">Something went wrong</h1>' in page
    assert "The error was recorded." in page
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page  # styled like the rest
    assert "Traceback" not in page and "RuntimeError" not in page
    api = client.get("/api/v1/fails/")
    assert api.status_code == 500
    assert api.json()["code"] == "server_error"


def test_the_favicon_is_served_at_the_root_and_linked_from_every_page(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/directory/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    svg = client.get("/static/img/favicon.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
