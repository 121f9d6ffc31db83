"""GL008 blocking-session-in-async-def."""

from __future__ import annotations

from collections.abc import Hashable, Iterator

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import (
    call_label,
    function_name,
    is_awaited_anywhere,
    is_dependency,
    is_route_handler,
    make_sync,
)
from greenlint.rules.sync_sessions import SyncUse, sync_uses_in_async_code
from greenlint.semantics.facts import Scope


class BlockingSessionInAsyncDef(Rule):
    code = "GL008"
    name = "blocking-session-in-async-def"
    severity = Severity.WARNING
    needles = ("async def",)
    summary = "A sync Session or Connection does I/O inside `async def`, blocking the event loop."
    explanation = """
A sync `Session` (from `create_engine` + `sessionmaker`) used inside `async def` works and commits, but every
query **blocks the event loop** while it waits for the database: no other request makes progress. A 0.5 s
query stalls all requests for 0.5 s; four concurrent requests take 2 s instead of 0.5 s as they would in a
plain `def` route, which FastAPI runs in a threadpool. It raises nothing, so it survives testing and shows up
as latency under load. (Awaiting it instead fails: `await db.commit()` raises `TypeError: object NoneType
can't be used in 'await' expression` after the commit already ran.)
"""
    fix_description = """
When the function awaits nothing, makes it a plain `def`: FastAPI then runs it in its threadpool. Safe for
route handlers and dependencies; unsafe for other functions (their callers must stop awaiting them). Not
offered when the function awaits something, or is awaited in this module: move to `create_async_engine` +
`async_sessionmaker` instead (GL001).
"""
    verified = (
        Verified(
            case="GL001's INVALID example with a 0.4 s query, two concurrent requests",
            outcome="Both requests answer `200`, one after the other: the blocked event loop makes two concurrent "
            "requests on a 0.4 s query take 0.8 s or more.",
            fixed="The route becomes a plain `def`, which FastAPI runs in its threadpool: the two requests overlap, "
            "under 0.6 s.",
            test="test_engines_and_awaits.py::test_sync_session_in_async_route_blocks_the_event_loop",
        ),
    )
    examples = (
        invalid(
            """
            from fastapi import Depends, FastAPI
            from sqlalchemy import select
            from sqlalchemy.orm import Session

            from .database import get_db

            app = FastAPI()


            @app.get("/users")
            async def list_users(db: Session = Depends(get_db)):
                return db.execute(select(User)).scalars().all()  # expect: GL008
            """,
            fixed="""
            from fastapi import Depends, FastAPI
            from sqlalchemy import select
            from sqlalchemy.orm import Session

            from .database import get_db

            app = FastAPI()


            @app.get("/users")
            def list_users(db: Session = Depends(get_db)):
                return db.execute(select(User)).scalars().all()  # expect: GL008
            """,
        ),
        invalid(
            """
            import httpx
            from sqlalchemy.orm import Session


            async def sync_and_notify(db: Session, url: str) -> None:
                db.commit()  # expect: GL008
                async with httpx.AsyncClient() as client:
                    await client.post(url)
            """,
        ),
        valid(
            """
            from fastapi.concurrency import run_in_threadpool
            from sqlalchemy.orm import Session


            def list_users(db: Session):
                return db.execute(query).all()


            async def count(db: Session) -> int:
                return await run_in_threadpool(lambda: db.scalar(query))
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for use in sync_uses_in_async_code(context):
            if use.site is None:
                continue
            name = function_name(use.function)
            message = (
                f"{call_label(use.site)} runs on a sync {use.value.kind.value} inside `async def {name}`: it blocks "
                "the event loop for the whole query and stalls every other request; make the function a plain "
                "`def` (FastAPI runs it in a threadpool) or use an AsyncSession"
            )
            yield self.report(use.site.call, message, fix=self._fix(use, context))

    def _fix(self, use: SyncUse, context: RuleContext) -> Fix | None:
        function = use.function
        node = function.node
        if not isinstance(node, cst.FunctionDef) or _awaits(function) or is_awaited_anywhere(function, context.facts):
            return None
        safe = is_route_handler(node) or is_dependency(function, context.facts, context.semantics)
        engine = use.value.bound_engine()
        claims: frozenset[Hashable] = frozenset({("engine", id(engine.origin))}) if engine is not None else frozenset()

        def build(builder: FixBuilder) -> None:
            builder.rewrite(node, make_sync, key="make-sync")

        return Fix(
            f"Make `{function_name(function)}` a plain `def`",
            Applicability.SAFE if safe else Applicability.UNSAFE,
            build,
            key=("make-sync", id(node)),
            claims=claims,
        )


def _awaits(function: Scope) -> bool:
    """Whether the function awaits, or has async with / for / comprehensions (outside nested functions)."""
    return bool(function.async_constructs)
