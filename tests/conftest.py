from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pg import PgServer, find_bin


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the expected .report.json / .acks files beside fixtures")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A private PostgreSQL server for the whole session (tests/pg.py); skips without one."""
    bindir = find_bin()
    if bindir is None and os.environ.get("CI"):
        pytest.fail("no PostgreSQL binaries under CI: .ci/run should have installed them")
    if bindir is None:
        pytest.skip("no PostgreSQL binaries (pg_ctl) on PATH or under /usr/lib/postgresql/*/bin;"
                    " .ci/run installs Debian's postgresql package")
    server = PgServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test: its ``postgresql+psycopg://`` URL."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)
