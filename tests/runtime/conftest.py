"""The databases the runtime programs run on: SQLite (always) and PostgreSQL when a server is reachable.

PostgreSQL comes from GREENLINT_POSTGRES_URL (a superuser URL; `.ci/postgres start DIR` starts a throwaway
cluster and prints one); each test gets a fresh database on it. Without a server the PostgreSQL cases skip,
unless GREENLINT_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from runtools import SQLITE, Database

SERVER = os.environ.get("GREENLINT_POSTGRES_URL", "")
REQUIRED = os.environ.get("GREENLINT_REQUIRE_POSTGRES") == "1"


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL: {reason} (`.ci/postgres start DIR` starts a server; export the URL it prints)"
    if REQUIRED:
        pytest.fail(f"{message}; GREENLINT_REQUIRE_POSTGRES=1 forbids skipping", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgresql() -> Iterator[Database]:
    """A fresh, empty database on the PostgreSQL test server, dropped afterwards."""
    if not SERVER:
        _unavailable("GREENLINT_POSTGRES_URL is not set")
    import psycopg

    try:
        admin = psycopg.connect(SERVER, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        _unavailable(f"no server at {SERVER}: {error}")
    name = f"greenlint_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        base = SERVER.rsplit("/", 1)[0].split("://", 1)[1]
        yield Database("postgresql", f"postgresql+asyncpg://{base}/{name}", f"postgresql+psycopg://{base}/{name}")
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Database:
    """Each database in turn: SQLite (aiosqlite) and PostgreSQL (asyncpg)."""
    if request.param == "sqlite":
        return SQLITE
    value = request.getfixturevalue("postgresql")
    assert isinstance(value, Database)
    return value
