"""The test environment's own invariants (what installing the pinned files must give)."""

from __future__ import annotations

from importlib.metadata import packages_distributions


def test_urllib3_is_urllib3_not_a_replacement() -> None:
    """niquests (a dependency of the caldav client) brings urllib3-future, which installs
    itself as ``urllib3`` and breaks requests-based tools (schemathesis's transport): caldav
    is installed without it (requirements-dev-nodeps.txt) and uses requests instead."""
    assert packages_distributions()["urllib3"] == ["urllib3"]
