"""GL007 async-driver-in-sync-engine."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import scheme
from greenlint.rules.urls import engine_calls, rewrite_url
from greenlint.semantics.urls import DriverMode, driver_mode, sync_variant
from greenlint.semantics.values import UrlRef


class AsyncDriverInSyncEngine(Rule):
    code = "GL007"
    name = "async-driver-in-sync-engine"
    severity = Severity.ERROR
    summary = "`create_engine` is given a URL that names an asyncio driver."
    explanation = """
A sync `create_engine` with an asyncio driver (`+asyncpg`, `+aiosqlite`, `+aiomysql`, `+asyncmy`,
`+psycopg_async`, `+oracledb_async`, `+aioodbc`) is created without complaint, but the first connection raises
**MissingGreenlet** (`greenlet_spawn has not been called; can't call await_() here`, `await_only()` on
SQLAlchemy 2.0): the driver can only be driven from inside SQLAlchemy's asyncio layer. It typically happens in
Alembic's `env.py` or a script that reuses the app's `DATABASE_URL`.
"""
    fix_description = """
Rewrites the scheme to the matching sync driver (`postgresql+psycopg`, `sqlite`, `mysql+pymysql`,
`oracle+oracledb`, `mssql+pyodbc`). Unsafe: that driver must be installed, and the alternative (an
`AsyncEngine` with `run_sync` in Alembic's async template) may be what the project wants.
"""
    verified = (
        Verified(
            case="this rule's INVALID example (Alembic's `run_migrations_online`) given the app's async URL",
            outcome="The engine is created, but the first connection raises `MissingGreenlet`: `greenlet_spawn has "
            "not been called`.",
            fixed="The sync driver (`pysqlite` / `psycopg`) connects: `SELECT 1` returns `1`.",
            test="test_engines_and_awaits.py::test_gl007_async_driver_in_sync_engine_raises_missing_greenlet",
        ),
    )
    examples = (
        invalid(
            """
            from sqlalchemy import create_engine, pool

            DATABASE_URL = "postgresql+asyncpg://app@localhost/app"


            def run_migrations_online() -> None:
                connectable = create_engine(DATABASE_URL, poolclass=pool.NullPool)  # expect: GL007
                with connectable.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
            """,
            fixed="""
            from sqlalchemy import create_engine, pool

            DATABASE_URL = "postgresql+psycopg://app@localhost/app"


            def run_migrations_online() -> None:
                connectable = create_engine(DATABASE_URL, poolclass=pool.NullPool)  # expect: GL007
                with connectable.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
            """,
        ),
        valid(
            """
            from sqlalchemy import create_engine

            engine = create_engine("postgresql+psycopg://app@localhost/app")
            legacy = create_engine("sqlite:///./app.db")
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for engine in engine_calls(context):
            url = engine.value.url
            if engine.is_async or url is None or driver_mode(url.text) is not DriverMode.ASYNC:
                continue
            better = sync_variant(url.text)
            message = (
                f"create_engine is given `{scheme(url.text)}`, an asyncio driver: the first connection raises "
                f"MissingGreenlet (greenlet_spawn has not been called); use create_async_engine in async code"
                + (f", or `{scheme(better)}` here" if better else "")
            )
            fix = self._fix(url, better, engine.site.call) if better is not None else None
            yield self.report(engine.site.call, message, fix=fix)

    def _fix(self, url: UrlRef, better: str, call: cst.Call) -> Fix:
        def build(builder: FixBuilder) -> None:
            rewrite_url(builder, url, better)

        return Fix(
            f"Use the sync driver `{scheme(better)}`",
            Applicability.UNSAFE,
            build,
            key=("scheme", id(url.node)),
            claims=frozenset({("engine", id(call))}),
        )
