"""/api/v1/ answers a JSON index of the resources (no data: public), each URL one that
answers."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

RESOURCES = {
    "me": "/api/v1/me/",
    "partners": "/api/v1/partners/",
    "integrations": "/api/v1/integrations/",
    "badges": "/api/v1/badges/",
    "support_issues": "/api/v1/support-issues/",
    "program_metrics": "/api/v1/program/metrics/",
    "schema": "/api/schema/",
    "docs": "/api/docs/",
}


def test_the_api_root_is_an_index_of_the_resources():
    response = APIClient().get("/api/v1/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {name: f"http://testserver{path}" for name, path in RESOURCES.items()}


def test_each_resource_of_the_index_answers(api, reviewer):
    api.as_user(reviewer)
    for url in APIClient().get("/api/v1/").json().values():
        assert api.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_the_index_is_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/" in schema["paths"]
