"""Swagger UI for ``/api/docs``, served from the pinned ``fastapi-offline`` wheel.

FastAPI's default page loads an unpinned Swagger UI from a CDN (no SRI; broken offline) and
starts it with an inline script, which the app's CSP refuses. Here the page, its start-up
script and Swagger UI's files all come from this server. ``fastapi-offline`` is used only as a
pinned copy of Swagger UI 5 (``swagger-ui-bundle`` on PyPI ships 4.15, which cannot render
OpenAPI 3.1).
"""

from __future__ import annotations

import html
from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response

SWAGGER_ASSETS = files("fastapi_offline") / "static"


def _page(title: str, assets: str, init_url: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-url="{html.escape(openapi_url)}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{init_url}"></script>
</body>
</html>
"""


# Reads the document's address from the page, so the script is the same for every mount.
INIT_SCRIPT = """\
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.url,
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
"""


def install_docs(api: FastAPI, docs_url: str) -> None:
    """``docs_url`` (the page), ``docs_url/init.js`` and ``docs_url/assets/*``; create the app
    with ``docs_url=None`` so FastAPI's CDN page is not there too."""
    assert api.openapi_url is not None
    assets = f"{docs_url}/assets"
    init_url = f"{docs_url}/init.js"
    page = _page(f"{api.title} - Swagger UI", assets, init_url, api.openapi_url)

    @api.get(docs_url, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    @api.get(init_url, include_in_schema=False)
    def swagger_init() -> Response:
        return Response(INIT_SCRIPT, media_type="text/javascript")

    api.mount(assets, StaticFiles(directory=str(SWAGGER_ASSETS)), name="swagger-assets")
