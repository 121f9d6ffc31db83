"""GL006 sync-driver-in-async-engine."""

from __future__ import annotations

from collections.abc import Iterator

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import scheme
from greenlint.rules.urls import engine_calls, rewrite_url, url_is_shared
from greenlint.semantics.urls import DriverMode, async_variant, default_driver_note, driver_mode, scheme_of
from greenlint.semantics.values import UrlRef


class SyncDriverInAsyncEngine(Rule):
    code = "GL006"
    name = "sync-driver-in-async-engine"
    severity = Severity.ERROR
    summary = "`create_async_engine` is given a URL that names a sync driver."
    explanation = """
`create_async_engine` needs an asyncio driver. Given a sync one (`postgresql+psycopg2://`, `sqlite://`,
`mysql+pymysql://`, `mssql+pyodbc://` ...) it never gets as far as MissingGreenlet: creating the engine raises
`InvalidRequestError: The asyncio extension requires an async driver to be used. The loaded 'psycopg2' is not
async.` and the app does not start.

A URL that names no driver depends on the SQLAlchemy version: for `postgresql://` SQLAlchemy 2.0 loads
psycopg2 (the same error) while 2.1 loads psycopg 3, which is async-capable but must be installed
(`ModuleNotFoundError` otherwise); `oracle://` likewise loads cx_oracle on 2.0 and python-oracledb on 2.1.
Naming the async driver makes the URL mean the same thing everywhere.

The URL is followed through module constants and the default of `os.getenv(...)` / `os.environ.get(...)`;
the finding is reported on the string that spells the driver.
"""
    fix_description = """
Rewrites the scheme to the async driver: `postgresql+asyncpg`, `sqlite+aiosqlite`, `mysql+aiomysql`,
`mariadb+aiomysql`, `oracle+oracledb_async`, `mssql+aioodbc`. The driver package must be installed. Safe,
unless the URL constant is also used elsewhere in the module (then unsafe: the other use changes too).
"""
    verified = (
        Verified(
            case="`sqlite:///` (SQLite) or `postgresql+psycopg2` (PostgreSQL) in `create_async_engine`",
            outcome="Creating the engine raises `InvalidRequestError`: `The loaded 'psycopg2' is not async.` "
            "(`'pysqlite'` on SQLite); the app does not start.",
            fixed="The URL names `aiosqlite` / `asyncpg`: `SELECT 1` returns `1`.",
            test="test_engines_and_awaits.py::test_gl006_sync_driver_fails_at_engine_creation",
        ),
        Verified(
            case="plain `postgresql://` in `create_async_engine`",
            outcome="SQLAlchemy 2.0 loads psycopg2: `InvalidRequestError`, `The loaded 'psycopg2' is not async.`",
            fixed="`postgresql+asyncpg` connects.",
            test="test_engines_and_awaits.py::test_gl006_postgresql_url_without_driver_depends_on_the_version",
            databases=("PostgreSQL",),
            sqlalchemy=("2.0",),
        ),
        Verified(
            case="plain `postgresql://` in `create_async_engine`",
            outcome="SQLAlchemy 2.1 loads psycopg 3, which is async-capable: the engine connects with `psycopg`, a "
            "different driver than on 2.0.",
            fixed="`postgresql+asyncpg` names the same driver on every version, and connects.",
            test="test_engines_and_awaits.py::test_gl006_postgresql_url_without_driver_depends_on_the_version",
            databases=("PostgreSQL",),
            sqlalchemy=("2.1",),
        ),
    )
    examples = (
        invalid(
            """
            import os

            from sqlalchemy.ext.asyncio import create_async_engine

            DATABASE_URL = "postgresql://app@localhost/app"  # expect: GL006
            engine = create_async_engine(DATABASE_URL)
            reports = create_async_engine("postgresql+psycopg2://report@db/reports")  # expect: GL006
            cache = create_async_engine(
                os.getenv("CACHE_URL", "sqlite:///./cache.db"),  # expect: GL006
            )
            """,
            fixed="""
            import os

            from sqlalchemy.ext.asyncio import create_async_engine

            DATABASE_URL = "postgresql+asyncpg://app@localhost/app"  # expect: GL006
            engine = create_async_engine(DATABASE_URL)
            reports = create_async_engine("postgresql+asyncpg://report@db/reports")  # expect: GL006
            cache = create_async_engine(
                os.getenv("CACHE_URL", "sqlite+aiosqlite:///./cache.db"),  # expect: GL006
            )
            """,
        ),
        valid(
            """
            import os

            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
            psycopg3 = create_async_engine("postgresql+psycopg://app@localhost/app")
            configured = create_async_engine(os.environ["DATABASE_URL"])
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        reported: set[int] = set()
        for engine in engine_calls(context):
            url = engine.value.url
            if not engine.is_async or url is None or id(url.node) in reported:
                continue
            mode = driver_mode(url.text)
            if mode not in (DriverMode.SYNC, DriverMode.DEPENDS_ON_VERSION):
                continue
            reported.add(id(url.node))
            yield self.report(url.node, self._message(url, mode), fix=self._fix(context, url))

    def _message(self, url: UrlRef, mode: DriverMode | None) -> str:
        parts = scheme_of(url.text)
        assert parts is not None
        better = async_variant(url.text)
        advice = f"; use `{scheme(better)}`" if better else "; use an async driver"
        if mode is DriverMode.DEPENDS_ON_VERSION:
            return f"`{scheme(url.text)}` names no driver: {default_driver_note(parts[0])}{advice}"
        return (
            f"create_async_engine is given `{scheme(url.text)}`, a sync driver: creating the engine raises "
            f"InvalidRequestError (the asyncio extension requires an async driver){advice}"
        )

    def _fix(self, context: RuleContext, url: UrlRef) -> Fix | None:
        better = async_variant(url.text)
        if better is None:
            return None

        def build(builder: FixBuilder) -> None:
            rewrite_url(builder, url, better)

        shared = url_is_shared(context, url)
        return Fix(
            f"Use `{scheme(better)}`",
            Applicability.UNSAFE if shared else Applicability.SAFE,
            build,
            key=("scheme", id(url.node)),
        )
