"""/api/docs works offline: the page, its start-up script and Swagger UI's files come from
this server (a pinned wheel), with no inline script for the CSP to allow."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from todo_app.api.docs import SWAGGER_ASSETS


def _references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_the_docs_page_references_no_other_host(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.text
    assert "cdn" not in html.lower()
    assert not re.search(r"(https?:)?//", html)
    refs = _references(html)
    assert refs and all(ref.startswith("/api/docs/") for ref in refs), refs


def test_every_asset_of_the_docs_answers(client: TestClient) -> None:
    html = client.get("/api/docs").text
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts)  # nothing inline
    for ref in _references(html):
        response = client.get(ref)
        assert response.status_code == 200, ref
        assert response.content, ref
    init = client.get("/api/docs/init.js")
    assert init.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle(" in init.text
    assert 'data-url="/api/openapi.json"' in html


def test_swagger_ui_is_version_5_which_renders_openapi_3_1(client: TestClient) -> None:
    bundle = (SWAGGER_ASSETS / "swagger-ui-bundle.js").read_text(encoding="utf-8")
    assert re.search(r'"5\.\d+\.\d+"', bundle)
    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.1")
