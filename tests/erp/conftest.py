"""Fixtures of the Tryton tests: a real trytond on loopback (tests/erp/tryton_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.erp.tryton_server import TrytonServer, start_or_skip


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrytonServer]:
    """trytond 8.2 on a copy of the cached template database, for the whole session.

    Without the network to install it, the tests skip with the reason; under CI (``CI`` set)
    they fail instead, so a CI run never passes with the ERP tests unrun."""
    server = start_or_skip(tmp_path_factory.mktemp("tryton"))
    try:
        yield server
    finally:
        server.stop()
