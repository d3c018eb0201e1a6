"""Requests no client of ours sends, from anyone, anonymous included: a NUL character in a list
filter, a JSON body nested thousands deep. Each is a 400 (a page or the API's error shape),
never a 500 (issue 15, DESIGN.md §11)."""

import pytest

pytestmark = pytest.mark.django_db

# Every list that filters on what the query string says, with the role that may see it.
LISTS = [
    ("anonymous", "/directory/?q=%00"),
    ("anonymous", "/directory/?q=vault%00&category=runtime"),
    ("anonymous", "/directory/?category=%00"),
    ("owner", "/dashboard/?q=%00"),
    ("owner", "/partners/acme-security/?q=%00"),
    ("owner", "/support/?q=%00"),
    ("owner", "/support/?partner=%00"),
    ("owner", "/integrations/?search=%00"),
    ("owner", "/integrations/?partner=%00"),
    ("owner", "/integrations/export.csv?search=%00"),
    ("owner", "/notifications/?page=%00"),
    ("reviewer", "/review/queue/?q=%00"),
    ("reviewer", "/review/board/?category=%00"),
    ("reviewer", "/support/?partner=acme%00"),
]
API_LISTS = [
    "/api/v1/integrations/?search=%00",
    "/api/v1/integrations/?partner=%00",
    "/api/v1/support-issues/?partner=%00",
    "/api/v1/badges/?page=%00",
]


@pytest.mark.parametrize(("role", "url"), LISTS)
def test_a_nul_in_a_list_filter_is_a_400_page(client_as, people, partner, role, url):
    response = client_as(people[role]).get(url)
    assert response.status_code == 400, url
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize("url", API_LISTS)
def test_a_nul_in_an_api_filter_is_a_400_in_the_error_shape(api, owner, url):
    response = api.as_user(owner).get(url)
    assert response.status_code == 400, url
    body = response.json()
    assert body["code"] == "invalid"
    assert "NUL character" in body["message"]
    assert body["errors"]


def test_a_nul_in_a_parameter_name_is_a_400_too(client):
    assert client.get("/directory/?q%00=x").status_code == 400


def test_filters_without_a_nul_still_work(client, owner, client_as):
    assert client.get("/directory/?q=vault&category=runtime").status_code == 200
    assert client_as(owner).get("/support/?q=renewal&partner=acme-security").status_code == 200


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [100_000, 2_000, 33])
def test_a_deeply_nested_json_body_is_a_400(api, owner, depth):
    response = api.as_user(owner).post(
        "/api/v1/integrations/", nested(depth), content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert "nested more than 32 levels" in body["message"]


def test_ordinary_nesting_is_parsed(api, owner, partner):
    body = {
        "partner": partner.slug,
        "name": "Nested Enough",
        "category": "runtime",
        "summary": "s",
        "description": "d",
        "vault_editions": ["vault_community"],
        "auth_methods": ["approle"],
        "namespace_support": False,
        "docs_url": "",
        "repository_url": "",
        "contact_email": "dev@acme.example",
    }
    response = api.as_user(owner).post("/api/v1/integrations/", body, format="json")
    assert response.status_code == 201, response.content
