"""Property-based conformance: the API never answers 5xx, and every answer matches its own
OpenAPI document, for inputs Schemathesis derives from that document (valid and invalid).

Runs in-process (ASGI), signed in with a real token, with a fixed seed and a bounded number
of examples per operation so the run is repeatable and quick. The schema is loaded eagerly:
Schemathesis 4.32's lazy ``from_fixture`` loader breaks on pytest 9 (``Node._nodeid``).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.api.conftest import Account
from todo_app.api.app import create_api

MAX_EXAMPLES = 15
SEED = 20_260_101

schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_api())
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
schema.config.seed = SEED


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    # The db fixture is per test; Hypothesis's examples share it on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_conforms_to_its_own_schema(case: schemathesis.Case, alice: Account) -> None:
    case.call_and_validate(
        headers=alice.headers, checks=[not_a_server_error, response_schema_conformance]
    )
