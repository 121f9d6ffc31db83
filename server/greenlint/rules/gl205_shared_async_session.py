"""GL205 shared-async-session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.core.finding import Related, Report, Severity
from greenlint.rules.base import Rule, RuleContext, invalid, valid
from greenlint.rules.common import function_name, is_route_handler, snippet
from greenlint.semantics.facts import BindingKind, Scope, ScopeKind
from greenlint.semantics.values import Kind


@dataclass(frozen=True)
class _Shared:
    """A session every request shares: created at module level, or stored on a class."""

    name: str
    where: str
    related: tuple[Related, ...]


class SharedAsyncSession(Rule):
    code = "GL205"
    name = "shared-async-session"
    severity = Severity.ERROR
    summary = "An AsyncSession created at module level or stored on a class is used by request handlers."
    needles = ("async def",)
    explanation = """
An `AsyncSession` is a unit of work for one task: it holds one connection and an identity map of the objects
it loaded. A session created at import time (`session = AsyncSession(engine)`, `db = Sessions()`), assigned to
a global by a startup hook, or stored as a class attribute is **shared by every request**: concurrent requests
interleave on it (`InvalidRequestError` / `IllegalStateChangeError`, asyncpg `InterfaceError: another
operation is in progress`), one request's `rollback()` discards another's changes, objects from one user's
request stay cached for the next, and its connection stays checked out for the life of the process.

greenlint reports the first use of such a session in each route handler, and a dependency that provides it.
`async_scoped_session` is not reported (it gives each scope its own session).
"""
    fix_description = """
None automatic. Create a session per request in a dependency (`async with Sessions() as session: yield
session`) and take it as a parameter (`db: AsyncSession = Depends(get_db)`).
"""
    examples = (
        invalid(
            """
            from fastapi import FastAPI
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)
            session = Sessions()
            app = FastAPI()


            class Store:
                db = AsyncSession(engine)


            async def get_db():
                yield session  # expect: GL205


            @app.get("/count")
            async def count() -> int:
                total = await session.scalar(...)  # expect: GL205
                await session.commit()
                return total


            @app.post("/items")
            async def create(name: str) -> None:
                Store.db.add(name)  # expect: GL205
                await Store.db.commit()
            """
        ),
        valid(
            """
            from fastapi import Depends, FastAPI
            from sqlalchemy.ext.asyncio import (
                AsyncSession,
                async_scoped_session,
                async_sessionmaker,
                create_async_engine,
            )

            engine = create_async_engine("sqlite+aiosqlite:///app.db")
            Sessions = async_sessionmaker(engine, expire_on_commit=False)
            app = FastAPI()


            async def get_db():
                async with Sessions() as session:
                    yield session


            @app.get("/count")
            async def count(db: AsyncSession = Depends(get_db)) -> int:
                return await db.scalar(...)


            async def main() -> None:
                session = Sessions()
                await session.execute(...)
                await session.close()
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        reported: set[tuple[int, str]] = set()
        for site in context.facts.all_calls():
            owner = site.scope.owner
            if site.receiver is None or not is_route_handler(owner.node):
                continue
            shared = self._shared(site.receiver, site.scope, context)
            if shared is None or (id(owner), shared.name) in reported:
                continue
            reported.add((id(owner), shared.name))
            handler = function_name(owner)
            message = (
                f"`{shared.name}` is an AsyncSession {shared.where}, so every request to `{handler}` shares it: "
                "concurrent requests interleave on one connection (InvalidRequestError, asyncpg InterfaceError), "
                "one request's rollback discards another's changes, and loaded objects leak between requests; "
                "create a session per request in a dependency"
            )
            yield self.report(site.receiver, message, related=shared.related)
        for scope in context.facts.functions:
            for produced in scope.yields or scope.returns:
                shared = self._shared(produced, scope, context)
                if shared is not None and scope.node is not None:
                    message = (
                        f"`{function_name(scope)}` provides `{shared.name}`, an AsyncSession {shared.where}: every "
                        "request that depends on it shares one session (and its connection); create a session per "
                        "request here (`async with Sessions() as session: yield session`)"
                    )
                    yield self.report(produced, message, related=shared.related)

    def _shared(self, node: cst.BaseExpression, scope: Scope, context: RuleContext) -> _Shared | None:
        semantics = context.semantics
        value = semantics.value_of(node, scope)
        if value is None or value.is_class or value.kind is not Kind.ASYNC_SESSION:
            return None
        if isinstance(node, cst.Name):
            found = semantics.lookup(node.value, scope)
            if found is None or len(found[0]) != 1:
                return None
            binding, owner = found[0][0], found[1]
            created = f"`{node.value}` is created here"
            if owner.kind is ScopeKind.MODULE and binding.kind is BindingKind.ASSIGN:
                return _Shared(node.value, "created at module level", (Related(created, binding.node),))
            if owner.kind is ScopeKind.MODULE and binding.kind is BindingKind.IMPORT:
                elsewhere = (Related(created, place=value.place),) if value.place else ()
                return _Shared(node.value, "created at module level in another module", elsewhere)
            return None
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            found = semantics.lookup(node.value.value, scope)
            if found is not None and found[0][0].kind is BindingKind.CLASS and found[0][0].scope is not None:
                attributes = found[0][0].scope.bindings.get(node.attr.value, [])
                if attributes and attributes[0].kind is BindingKind.ASSIGN:
                    related = (Related(f"`{snippet(node)}` is created here", attributes[0].node),)
                    return _Shared(snippet(node), "stored on the class", related)
        return None
