"""GL005 await-in-sync-function."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import make_async
from greenlint.semantics.facts import AsyncConstruct

_COMPILER_MESSAGES = {
    "await": "'await' outside async function",
    "async with": "'async with' outside async function",
    "async for": "'async for' outside async function",
    "async comprehension": "asynchronous comprehension outside of an asynchronous function",
}


def _compiler_message(construct: AsyncConstruct) -> str:
    if construct.in_comprehension:
        return _COMPILER_MESSAGES["async comprehension"]
    return _COMPILER_MESSAGES[construct.description]


class AwaitInSyncFunction(Rule):
    code = "GL005"
    name = "await-in-sync-function"
    severity = Severity.ERROR
    summary = "`await`, `async with`, `async for` or an async comprehension inside a plain `def`."
    needles = ("await", "async ")
    explanation = """
`await`, `async with`, `async for` and asynchronous comprehensions are only legal inside `async def`. In a
plain `def` (or a `lambda`) the compiler raises `SyntaxError: 'await' outside async function` (or
`'async with' outside async function`, `asynchronous comprehension outside of an asynchronous function`)
when the module is imported: **the whole module fails to import**, and with it the FastAPI app.
`ast.parse` accepts such code; only compiling rejects it, so editors that only parse miss it.

Generator expressions are the exception: `(await x for x in xs)` is an asynchronous generator expression,
legal in any function since Python 3.8 (but its first iterable is evaluated outside it).
"""
    fix_description = """
Makes the enclosing function `async def` (one fix for every finding in the function). Safe: the module did
not compile before. Callers of a helper made async must now await it. Not offered inside a `lambda`.
"""
    verified = (
        Verified(
            case="`await` in a plain `def` helper",
            outcome="The module fails to import: `SyntaxError: 'await' outside async function`.",
            fixed="The helper is an `async def`: the program runs and reads the row.",
            test="test_engines_and_awaits.py::test_gl005_await_in_def_fails_to_compile",
            databases=("SQLite",),
        ),
    )
    examples = (
        invalid(
            """
            from fastapi import FastAPI
            from sqlalchemy import select
            from sqlalchemy.ext.asyncio import AsyncSession

            app = FastAPI()


            @app.get("/users")
            def get_users(db: AsyncSession):
                result = await db.execute(select(User))  # expect: GL005
                return result.scalars().all()


            def first_name(db: AsyncSession) -> str:
                async with db.begin():  # expect: GL005
                    names = [name async for name in await db.stream_scalars(q)]  # expect: GL005, GL005
                return names[0]
            """,
            fixed="""
            from fastapi import FastAPI
            from sqlalchemy import select
            from sqlalchemy.ext.asyncio import AsyncSession

            app = FastAPI()


            @app.get("/users")
            async def get_users(db: AsyncSession):
                result = await db.execute(select(User))  # expect: GL005
                return result.scalars().all()


            async def first_name(db: AsyncSession) -> str:
                async with db.begin():  # expect: GL005
                    names = [name async for name in await db.stream_scalars(q)]  # expect: GL005, GL005
                return names[0]
            """,
        ),
        invalid(
            """
            async def handler(items):
                return sorted(items, key=lambda item: await item.rank())  # expect: GL005
            """,
        ),
        valid(
            """
            async def load(db, q):
                rows = [row async for row in await db.stream(q)]

                def helper(values):
                    return (await value for value in values)

                return rows, helper
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for scope in context.facts.scopes():
            for construct in scope.async_constructs:
                target = construct.context
                if isinstance(target, cst.FunctionDef) and target.asynchronous is None:
                    yield self._report(construct, target)
                elif isinstance(target, cst.Lambda):
                    yield self.report(
                        construct.start,
                        f"`{construct.description}` inside a lambda: the module fails to import with SyntaxError "
                        "(a lambda cannot be async); move the code into an `async def`",
                        end=construct.end,
                    )

    def _report(self, construct: AsyncConstruct, function: cst.FunctionDef) -> Report:
        name = function.name.value

        def build(builder: FixBuilder) -> None:
            builder.rewrite(function, make_async, key="make-async")

        fix = Fix(f"Make `{name}` async", Applicability.SAFE, build, key=("make-async", id(function)))
        message = (
            f"`{construct.description}` inside the plain `def {name}`: the module fails to import with "
            f"SyntaxError: {_compiler_message(construct)}; make it `async def`"
        )
        return self.report(construct.start, message, end=construct.end, fix=fix)
