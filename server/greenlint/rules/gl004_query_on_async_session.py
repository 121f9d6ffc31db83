"""GL004 query-on-async-session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import call_label
from greenlint.semantics.facts import BindingKind, CallSite, Use
from greenlint.semantics.values import Kind

_RENAMED = {"filter": "where"}
_CHAINABLE = frozenset(
    {
        "filter",
        "where",
        "filter_by",
        "order_by",
        "limit",
        "offset",
        "options",
        "join",
        "outerjoin",
        "group_by",
        "having",
        "distinct",
        "select_from",
    }
)
_TERMINALS = frozenset({"all", "first", "one", "one_or_none", "scalar", "count", "get"})
# terminal -> (result method for ORM entities, for rows); Query.first() applies LIMIT 1.
_RESULTS = {
    "all": ("scalars().all()", "all()"),
    "first": ("scalars().first()", "first()"),
    "one": ("scalar_one()", "one()"),
    "one_or_none": ("scalar_one_or_none()", "one_or_none()"),
    "scalar": ("scalar_one_or_none()", "scalar_one_or_none()"),
}


@dataclass(frozen=True)
class _Plan:
    """How to rewrite one `session.query(...)...terminal()` chain."""

    terminal: cst.Call
    depth: int  # method calls after `query(...)`, the terminal included
    entity: bool  # a single ORM entity (results are scalars) rather than columns (rows)
    parenthesize: bool


class QueryOnAsyncSession(Rule):
    code = "GL004"
    name = "query-on-async-session"
    severity = Severity.ERROR
    needles = (".query(",)
    summary = "The legacy `.query(...)` API is used on an AsyncSession."
    explanation = """
`AsyncSession` has no `query()` method: `db.query(User)` raises
`AttributeError: 'AsyncSession' object has no attribute 'query'` (an HTTP 500 in a route). Reaching through
`db.sync_session.query(...)` does not help: the query then runs outside the greenlet bridge and raises
MissingGreenlet. In async code, build a `select()` and execute it with `await`.
"""
    fix_description = """
Rewrites the chain to 2.0-style `select()`: `db.query(M).filter(...).order_by(...).all()` becomes
`(await db.execute(select(M).where(...).order_by(...))).scalars().all()`; `.first()` keeps Query's `LIMIT 1`;
`.one()` / `.one_or_none()` / `.scalar()` become `scalar_one()` / `scalar_one_or_none()`; `.count()` counts a
subquery like Query did; `.get(id)` becomes `await db.get(M, id)`. Columns instead of an entity give rows, not
scalars. Adds the `select` (and `func`) import. Safe. No fix for chains it cannot translate exactly
(unknown methods, a query kept in a variable, code outside `async def`).
"""
    verified = (
        Verified(
            case="`db.query(User)...all()` in a route",
            outcome="`AttributeError`: `'AsyncSession' object has no attribute 'query'`, an HTTP `500`.",
            fixed="The rewritten `select` query runs: HTTP `200` with the users.",
            test="test_engines_and_awaits.py::test_gl004_query_on_async_session_is_a_500",
        ),
    )
    examples = (
        invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession

            from .models import User


            async def users(db: AsyncSession):
                return db.query(User).filter(User.active).order_by(User.name).all()  # expect: GL004


            async def first(db: AsyncSession, user_id: int):
                user = db.query(User).filter_by(id=user_id).first()  # expect: GL004
                total = db.query(User).count()  # expect: GL004
                names = db.query(User.name).all()  # expect: GL004
                return user, total, names, db.query(User).get(user_id)  # expect: GL004
            """,
            fixed="""
            from sqlalchemy.ext.asyncio import AsyncSession

            from .models import User
            from sqlalchemy import func, select


            async def users(db: AsyncSession):
                return (await db.execute(select(User).where(User.active).order_by(User.name))).scalars().all()  # expect: GL004


            async def first(db: AsyncSession, user_id: int):
                user = (await db.execute(select(User).filter_by(id=user_id).limit(1))).scalars().first()  # expect: GL004
                total = (await db.execute(select(func.count()).select_from(select(User).subquery()))).scalar_one()  # expect: GL004
                names = (await db.execute(select(User.name))).all()  # expect: GL004
                return user, total, names, await db.get(User, user_id)  # expect: GL004
            """,
        ),
        invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession


            async def paged(db: AsyncSession, Model):
                query = db.query(Model)  # expect: GL004
                return query.paginate()
            """,
        ),
        valid(
            """
            from sqlalchemy import select
            from sqlalchemy.orm import Session


            def users(db: Session):
                return db.query(User).all()


            async def users_async(db, q):
                return db.query(q)
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for site in context.facts.all_calls():
            if site.name != "query" or site.receiver is None:
                continue
            value = context.semantics.value_of(site.receiver, site.scope)
            if value is None or value.is_class or value.kind not in (Kind.ASYNC_SESSION, Kind.ASYNC_SCOPED):
                continue
            message = (
                f"{call_label(site)}: AsyncSession has no `query()`, so this raises AttributeError "
                "('AsyncSession' object has no attribute 'query'); use `await session.execute(select(...))`"
            )
            yield self.report(site.call, message, fix=self._fix(site, context))

    def _fix(self, site: CallSite, context: RuleContext) -> Fix | None:
        if not site.scope.owner.is_async_function():
            return None
        plan = self._plan(site, context)
        if plan is None:
            return None
        module = context.facts.module

        def build(builder: FixBuilder) -> None:
            builder.rewrite(plan.terminal, lambda node: _translate(node, plan, builder, module), key="select")

        return Fix("Rewrite with `select()`", Applicability.SAFE, build, key=("select", id(site.call)))

    def _plan(self, site: CallSite, context: RuleContext) -> _Plan | None:
        if site.chain_top is None or not site.call.args or any(arg.keyword or arg.star for arg in site.call.args):
            return None
        steps: list[cst.CSTNode] = []
        node: cst.CSTNode = site.chain_top
        while isinstance(node, (cst.Call, cst.Attribute, cst.Subscript)):
            steps.append(node)
            node = node.func if isinstance(node, cst.Call) else node.value
        steps.reverse()
        index = next((i for i, step in enumerate(steps) if step is site.call), None)
        if index is None:
            return None
        methods: list[tuple[str, cst.Call]] = []
        position = index + 1
        while position + 1 < len(steps):
            attribute, call = steps[position], steps[position + 1]
            if not (isinstance(attribute, cst.Attribute) and isinstance(call, cst.Call)):
                break
            methods.append((attribute.attr.value, call))
            position += 2
            if attribute.attr.value in _TERMINALS:
                break
        if not methods or methods[-1][0] not in _TERMINALS:
            return None
        if any(name not in _CHAINABLE for name, _ in methods[:-1]):
            return None
        terminal_name, terminal = methods[-1]
        entity = self._single_entity(site, context)
        if entity is None or (terminal_name == "get" and (len(methods) > 1 or not entity)):
            return None
        is_top = terminal is site.chain_top
        if is_top and site.chain_use is Use.AWAITED:
            return None
        return _Plan(terminal, len(methods), entity, parenthesize=not is_top)

    def _single_entity(self, site: CallSite, context: RuleContext) -> bool | None:
        """True for one ORM entity, False for columns or several entities, None when unsure."""
        args = site.call.args
        if len(args) > 1 or not isinstance(args[0].value, cst.Name):
            return False
        found = context.semantics.lookup(args[0].value.value, site.scope)
        if found is None:
            return None
        return all(binding.kind in (BindingKind.CLASS, BindingKind.IMPORT) for binding in found[0]) or None


def _arguments(call: cst.Call, module: cst.Module) -> str:
    return ", ".join(module.code_for_node(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for arg in call.args)


def _translate(node: cst.CSTNode, plan: _Plan, builder: FixBuilder, module: cst.Module) -> cst.CSTNode:
    methods: list[tuple[str, cst.Call]] = []
    current: cst.CSTNode = node
    for _ in range(plan.depth):
        assert isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute)
        methods.append((current.func.attr.value, current))
        current = current.func.value
    methods.reverse()
    assert isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute)
    receiver = module.code_for_node(current.func.value)
    select = module.code_for_node(builder.import_name("sqlalchemy", "select"))
    statement = f"{select}({_arguments(current, module)})"
    for name, call in methods[:-1]:
        statement += f".{_RENAMED.get(name, name)}({_arguments(call, module)})"
    terminal_name, terminal = methods[-1]
    if terminal_name == "get":
        code = f"await {receiver}.get({_arguments(current, module)}, {_arguments(terminal, module)})"
        if plan.parenthesize:
            code = f"({code})"
    elif terminal_name == "count":
        func = module.code_for_node(builder.import_name("sqlalchemy", "func"))
        counted = f"{select}({func}.count()).select_from({statement}.subquery())"
        code = f"(await {receiver}.execute({counted})).scalar_one()"
    else:
        if terminal_name == "first":
            statement += ".limit(1)"
        result = _RESULTS[terminal_name][0 if plan.entity else 1]
        code = f"(await {receiver}.execute({statement})).{result}"
    assert isinstance(node, cst.Call)
    return cst.parse_expression(code).with_changes(lpar=node.lpar, rpar=node.rpar)
