"""Hosts on a switch of network namespaces (root only; skipped elsewhere, with the reason)."""

from collections.abc import Iterator

import pytest

from tests.integration.multihost.hosts import Host, Lan, lan, why_not


@pytest.fixture
def network() -> Iterator[tuple[Lan, Host]]:
    """A switch, and this machine on it as the infra host."""
    reason = why_not()
    if reason:
        pytest.skip(reason)
    with lan() as made:
        yield made
