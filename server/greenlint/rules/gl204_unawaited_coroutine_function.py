"""GL204 unawaited-coroutine-function."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.core.finding import Related, Report, Severity
from greenlint.rules.awaiting import await_fix, never_awaited
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import is_route_handler, name_node, snippet
from greenlint.semantics.facts import Binding, BindingKind, CallSite, Scope, ScopeKind, Use
from greenlint.semantics.summary import Place


@dataclass(frozen=True)
class _Callee:
    """An `async def` of the workspace (not a generator): its name, and where it is defined."""

    label: str
    node: cst.CSTNode | None = None  # a def of this module
    place: Place | None = None  # or of another one


class UnawaitedCoroutineFunction(Rule):
    code = "GL204"
    name = "unawaited-coroutine-function"
    severity = Severity.ERROR
    summary = "An `async def` function or method of the workspace is called and its coroutine is never awaited."
    needles = ("async def", "import")
    explanation = """
Calling an `async def` function only creates a coroutine object: **its body never runs** unless the coroutine
is awaited (or scheduled). Python logs `RuntimeWarning: coroutine '...' was never awaited` when it is
garbage-collected, and nothing else happens: `save_order(db, order)` as a statement saves nothing, and
`if not await_free_check(user):` tests a coroutine object, which is always truthy, so an authorization check
written that way never denies. A sync route handler that returns such a call hands FastAPI a coroutine
instead of a response.

greenlint reports calls of `async def` functions and methods of the workspace (this module's, or imported from
another module; `self.method()` and methods of an annotated parameter's class) whose coroutine is discarded:
a statement, a condition or `not` / `and` / `or` operand, an attribute chain, a variable that is never awaited
or handed on, an argument of a builtin, the return value of an `async def` or of a sync route handler.
Coroutines passed to `asyncio.gather`, `create_task`, `asyncio.run` or stored are left alone. Async
generators (`async def` with `yield`) are not coroutine functions and are not reported.
"""
    fix_description = """
Inserts `await` (parenthesised where the result is dereferenced). Safe. Offered only inside `async def`; in a
plain `def`, make the function async first (GL005).
"""
    verified = (
        Verified(
            "an `async def` authorization check and audit record called without `await`",
            "`if not is_admin(db, user):` never denies (a coroutine is truthy) and `record(db, user)` never runs: "
            "only `RuntimeWarning: coroutine 'record' was never awaited`.",
            "With the `await`s greenlint adds, `mallory` is denied, `root` proceeds, and the grant row is stored.",
            "test_coroutine_functions.py::test_gl204_a_check_that_is_never_awaited_never_denies",
        ),
    )
    examples = (
        invalid(
            """
            from fastapi import APIRouter, HTTPException
            from sqlalchemy.ext.asyncio import AsyncSession

            router = APIRouter()


            async def is_admin(db: AsyncSession, user_id: int) -> bool:
                return await db.scalar(...) is not None


            async def audit(db: AsyncSession, action: str) -> None:
                ...


            class Orders:
                def __init__(self, db: AsyncSession) -> None:
                    self.db = db

                async def cancel(self, order_id: int) -> None:
                    ...

                async def cancel_all(self, ids: list[int]) -> None:
                    for order_id in ids:
                        self.cancel(order_id)  # expect: GL204


            @router.delete("/orders/{order_id}")
            async def delete_order(order_id: int, user_id: int, db: AsyncSession, orders: Orders) -> None:
                if not is_admin(db, user_id):  # expect: GL204
                    raise HTTPException(status_code=403)
                audit(db, "delete")  # expect: GL204
                orders.cancel(order_id)  # expect: GL204
            """,
            fixed="""
            from fastapi import APIRouter, HTTPException
            from sqlalchemy.ext.asyncio import AsyncSession

            router = APIRouter()


            async def is_admin(db: AsyncSession, user_id: int) -> bool:
                return await db.scalar(...) is not None


            async def audit(db: AsyncSession, action: str) -> None:
                ...


            class Orders:
                def __init__(self, db: AsyncSession) -> None:
                    self.db = db

                async def cancel(self, order_id: int) -> None:
                    ...

                async def cancel_all(self, ids: list[int]) -> None:
                    for order_id in ids:
                        await self.cancel(order_id)  # expect: GL204


            @router.delete("/orders/{order_id}")
            async def delete_order(order_id: int, user_id: int, db: AsyncSession, orders: Orders) -> None:
                if not await is_admin(db, user_id):  # expect: GL204
                    raise HTTPException(status_code=403)
                await audit(db, "delete")  # expect: GL204
                await orders.cancel(order_id)  # expect: GL204
            """,
        ),
        valid(
            """
            import asyncio

            from fastapi import BackgroundTasks


            async def send(address: str) -> None:
                ...


            async def stream():
                yield 1


            async def notify(addresses: list[str], tasks: BackgroundTasks) -> None:
                await send(addresses[0])
                await asyncio.gather(*(send(address) for address in addresses[1:]))
                task = asyncio.create_task(send("ops@example.com"))
                tasks.add_task(send, "audit@example.com")
                pending = send("late@example.com")
                await pending
                await task
                async for _ in stream():
                    pass


            def later(address: str):
                return send(address)


            def main() -> None:
                asyncio.run(send("x@example.com"))
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        for site in context.facts.all_calls():
            if site.use is Use.AWAITED:
                continue
            callee = self._callee(site, context)
            if callee is None:
                continue
            if not (never_awaited(site, context) or self._returned_by_sync_route(site)):
                continue
            yield self._report(site, callee)

    @staticmethod
    def _returned_by_sync_route(site: CallSite) -> bool:
        owner = site.scope.owner
        return site.use is Use.RETURN and not owner.is_async_function() and is_route_handler(owner.node)

    def _callee(self, site: CallSite, context: RuleContext) -> _Callee | None:
        func = site.call.func
        if isinstance(func, cst.Name):
            return self._function(func, site.scope, context)
        if isinstance(func, cst.Attribute):
            return self._method(func, site.scope, context)
        return None

    @staticmethod
    def _function(func: cst.Name, scope: Scope, context: RuleContext) -> _Callee | None:
        local = context.semantics.function_named(func, scope)
        if local is not None:
            coroutine = local.is_async and not local.yields
            return _Callee(f"async def {func.value}", name_node(local)) if coroutine else None
        qualified = context.semantics.qualified_name(func, scope)
        fact = context.workspace.function(qualified) if qualified else None
        if fact is None or not fact.is_async or fact.generator:
            return None
        symbol = context.workspace.symbol(qualified) if qualified else None
        place = symbol.place(fact.loc) if symbol is not None else None
        module = f" in {symbol.summary.name}" if symbol is not None and symbol.path else ""
        return _Callee(f"async def {func.value}{module}", place=place)

    def _method(self, func: cst.Attribute, scope: Scope, context: RuleContext) -> _Callee | None:
        """`self.method()` in a class, or `param.method()` where the parameter is annotated with a workspace class."""
        if not isinstance(func.value, cst.Name):
            return None
        method = func.attr.value
        found = context.semantics.lookup(func.value.value, scope)
        if found is None or len(found[0]) != 1 or found[0][0].kind is not BindingKind.PARAM:
            return None
        binding, owner = found[0][0], found[1]
        if binding.annotation is None:
            if owner.parent is not None and owner.parent.kind is ScopeKind.CLASS and _is_first_param(binding, owner):
                return self._local_method(owner.parent, method)
            return None
        annotation = binding.annotation
        if not isinstance(annotation, (cst.Name, cst.Attribute)):
            return None
        outer = owner.parent or owner
        if isinstance(annotation, cst.Name):
            classes = context.semantics.lookup(annotation.value, outer)
            if classes is not None and classes[0][0].kind is BindingKind.CLASS and classes[0][0].scope is not None:
                return self._local_method(classes[0][0].scope, method)
        qualified = context.semantics.qualified_name(annotation, outer)
        definition = context.workspace.definition(qualified) if qualified else None
        if definition is None or method not in definition.fact.coroutine_methods:
            return None
        return _Callee(f"async def {definition.fact.name}.{method} in {definition.module}", place=definition.place())

    @staticmethod
    def _local_method(class_scope: Scope, method: str) -> _Callee | None:
        bindings = class_scope.bindings.get(method, [])
        if len(bindings) != 1 or bindings[0].kind is not BindingKind.DEF or bindings[0].scope is None:
            return None
        scope = bindings[0].scope
        if not scope.is_async or scope.yields:
            return None
        class_name = class_scope.node.name.value if isinstance(class_scope.node, cst.ClassDef) else ""
        return _Callee(f"async def {class_name}.{method}", name_node(scope))

    def _report(self, site: CallSite, callee: _Callee) -> Report:
        label = f"`{snippet(site.call)}`"
        if site.use is Use.CONDITION:
            outcome = (
                "a coroutine object is always truthy, so the condition never sees the result (and the body never runs)"
            )
        elif site.use is Use.RECEIVER and isinstance(site.parent, cst.Attribute):
            outcome = f"`.{site.parent.attr.value}` is looked up on a coroutine: AttributeError"
        elif site.use is Use.RETURN and not site.scope.owner.is_async_function():
            outcome = "the route returns a coroutine object, not its result, and the body never runs"
        else:
            outcome = "its body never runs (only `RuntimeWarning: coroutine ... was never awaited` is logged)"
        message = f"{label} calls the {callee.label} but never awaits it: {outcome}; add `await`"
        related = [Related(f"the {callee.label}", callee.node, callee.place)] if callee.node or callee.place else []
        return self.report(site.call, message, fix=await_fix(site), related=related)


def _is_first_param(binding: Binding, scope: Scope) -> bool:
    node = scope.node
    if not isinstance(node, cst.FunctionDef):
        return False
    params = [*node.params.posonly_params, *node.params.params]
    return bool(params) and binding.node is params[0]
