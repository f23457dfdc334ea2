"""The REST API's fixtures (a client on empty tables, two signed-up users) for the chat's
tests, and the scripted model server."""

from __future__ import annotations

from tests.api.conftest import alice, api, bob, client  # noqa: F401  (fixtures)
