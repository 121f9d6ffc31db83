"""GL001 sync-engine-for-async-code."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Related, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import is_dependency, is_route_handler, make_async, make_async_with, scheme
from greenlint.rules.sync_sessions import SyncUse, sync_scopes_using, sync_uses_in_async_code, sync_withs_opening
from greenlint.rules.urls import rewrite_url
from greenlint.semantics.urls import DriverMode, async_variant, driver_mode
from greenlint.semantics.values import Kind, Value

_FACTORY_NAMES = frozenset({"sessionmaker", "Session", "scoped_session"})


class SyncEngineForAsyncCode(Rule):
    code = "GL001"
    name = "sync-engine-for-async-code"
    severity = Severity.WARNING
    summary = "A sync `create_engine` feeds sessions to async code."
    explanation = """
A sync engine (`create_engine` + `sessionmaker`) whose sessions are used by `async def` routes or yielded by
an `async def` dependency works, but every query it runs **blocks the event loop**: while one request waits
for the database, no other request makes progress (a 0.5 s query stalls every request for 0.5 s). The
individual blocking calls are GL008; this finding is on the engine they come from, where the real fix is.
"""
    fix_description = """
Converts the engine to asyncio: `create_engine` becomes `create_async_engine` with an async driver in the
URL (`postgresql+asyncpg`, `sqlite+aiosqlite` ...), and the `sessionmaker(...)` / `Session(engine)` built on
it become `async_sessionmaker(...)` / `AsyncSession(engine)`, with their imports; plain `def` routes and
dependencies that use those sessions become `async def`, and `with` blocks that open them become `async with`.
Every use of the sessions must then be awaited:
greenlint's GL002 fixes do that on the next pass. Unsafe: behaviour changes everywhere the engine is used, and
the async driver must be installed. Not offered when the URL is unknown, when other sync code (not a FastAPI
route or dependency) uses the sessions, or when a `scoped_session` or a custom `class_` is involved.
"""
    verified = (
        Verified(
            case="this rule's INVALID example with a 0.4 s query, two concurrent requests",
            outcome="Both requests answer `200`, one after the other: the blocked event loop makes two concurrent "
            "requests on a 0.4 s query take 0.8 s or more.",
            fixed="`create_async_engine` and `async_sessionmaker` (with the awaits GL002 adds): the two requests "
            "overlap, under 0.6 s.",
            test="test_engines_and_awaits.py::test_sync_session_in_async_route_blocks_the_event_loop",
        ),
    )
    examples = (
        invalid(
            """
            from fastapi import Depends, FastAPI
            from sqlalchemy import create_engine, select
            from sqlalchemy.orm import sessionmaker

            DATABASE_URL = "postgresql://app@localhost/app"
            engine = create_engine(DATABASE_URL)  # expect: GL001
            SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
            app = FastAPI()


            async def get_db():
                db = SessionLocal()
                try:
                    yield db
                finally:
                    db.close()


            @app.get("/users")
            async def list_users(db=Depends(get_db)):
                return db.execute(select(User)).scalars().all()  # expect: GL008
            """,
            fixed="""
            from fastapi import Depends, FastAPI
            from sqlalchemy import create_engine, select
            from sqlalchemy.orm import sessionmaker
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            DATABASE_URL = "postgresql+asyncpg://app@localhost/app"
            engine = create_async_engine(DATABASE_URL)  # expect: GL001
            SessionLocal = async_sessionmaker(autocommit=False, autoflush=False, bind=engine)
            app = FastAPI()


            async def get_db():
                db = SessionLocal()
                try:
                    yield db
                finally:
                    await db.close()


            @app.get("/users")
            async def list_users(db=Depends(get_db)):
                return (await db.execute(select(User))).scalars().all()  # expect: GL008
            """,
        ),
        valid(
            """
            from fastapi import Depends, FastAPI
            from sqlalchemy import create_engine, select
            from sqlalchemy.orm import Session, sessionmaker

            engine = create_engine("postgresql+psycopg://app@localhost/app")
            SessionLocal = sessionmaker(bind=engine)
            app = FastAPI()


            def get_db():
                with SessionLocal() as db:
                    yield db


            @app.get("/users")
            def list_users(db: Session = Depends(get_db)):
                return db.execute(select(User)).scalars().all()
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        evidence: dict[int, tuple[Value, list[SyncUse]]] = {}
        for use in sync_uses_in_async_code(context):
            engine = use.value.bound_engine()
            if engine is not None and engine.kind is Kind.SYNC_ENGINE and isinstance(engine.origin, cst.Call):
                evidence.setdefault(id(engine.origin), (engine, []))[1].append(use)
        for engine, uses in evidence.values():
            assert isinstance(engine.origin, cst.Call)
            message = (
                f"this sync engine's sessions are used in async code ({uses[0].describe()}): every query blocks "
                "the event loop and stalls all concurrent requests; use create_async_engine with an async driver "
                "and async_sessionmaker"
            )
            related = [Related(f"used here: {use.describe()}", use.node) for use in uses[:5]]
            yield self.report(engine.origin, message, fix=self._fix(engine, context), related=related)

    def _fix(self, engine: Value, context: RuleContext) -> Fix | None:
        call = engine.origin
        url = engine.url
        if not isinstance(call, cst.Call) or url is None:
            return None
        mode = driver_mode(url.text)
        new_url = url.text if mode in (DriverMode.ASYNC, DriverMode.DUAL) else async_variant(url.text)
        if new_url is None:
            return None
        factories: list[tuple[cst.Call, str]] = []
        for site in context.facts.all_calls():
            if site.name not in _FACTORY_NAMES:
                continue
            value = context.semantics.value_of(site.call, site.scope)
            if value is None or value.origin is not site.call or not value.is_bound_to(engine):
                continue
            if value.kind is Kind.SYNC_SCOPED or any(
                arg.keyword and arg.keyword.value == "class_" for arg in site.call.args
            ):
                return None
            if value.kind is Kind.SYNC_FACTORY:
                factories.append((site.call, "async_sessionmaker"))
            elif value.kind is Kind.SYNC_SESSION:
                factories.append((site.call, "AsyncSession"))
        handlers: list[cst.FunctionDef] = []
        for function in sync_scopes_using(engine, context):
            node = function.node
            if not isinstance(node, cst.FunctionDef):
                return None
            if not (is_route_handler(node) or is_dependency(function, context.facts, context.semantics)):
                return None
            handlers.append(node)
        withs: list[cst.With] = []
        for scope, statement in sync_withs_opening(engine, context):
            if not scope.is_async_function() and not any(scope.node is handler for handler in handlers):
                return None  # `async with` only compiles in an `async def`
            withs.append(statement)

        def build(builder: FixBuilder) -> None:
            create = builder.import_name("sqlalchemy.ext.asyncio", "create_async_engine")
            builder.rewrite(call, lambda node: _renamed(node, create), key="async-engine")
            if new_url != url.text:
                rewrite_url(builder, url, new_url)
            for factory, name in factories:
                replacement = builder.import_name("sqlalchemy.ext.asyncio", name)
                builder.rewrite(factory, partial(_renamed, func=replacement), key="async-factory")
            for handler in handlers:
                builder.rewrite(handler, make_async, key="make-async")
            for statement in withs:
                builder.rewrite(statement, make_async_with, key="async-with")

        return Fix(
            f"Use create_async_engine (`{scheme(new_url)}`) and async sessions",
            Applicability.UNSAFE,
            build,
            key=("async-engine", id(call)),
            claims=frozenset({("engine", id(call))}),
        )


def _renamed(node: cst.CSTNode, func: cst.BaseExpression) -> cst.CSTNode:
    assert isinstance(node, cst.Call)
    return node.with_changes(func=func)
