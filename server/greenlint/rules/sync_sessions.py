"""Where sync sessions meet async code (shared by GL001 and GL008)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.rules.base import RuleContext
from greenlint.rules.common import function_name, name_node
from greenlint.semantics.facts import BindingKind, CallSite, Scope, ScopeKind
from greenlint.semantics.values import Kind, Value

SYNC_KINDS = frozenset({Kind.SYNC_SESSION, Kind.SYNC_CONNECTION, Kind.SYNC_SCOPED})
IO_METHODS = frozenset(
    {
        "execute",
        "scalars",
        "scalar",
        "get",
        "get_one",
        "commit",
        "flush",
        "refresh",
        "query",
        "merge",
        "rollback",
        "exec_driver_sql",
        "exec",
    }
)


@dataclass(frozen=True)
class SyncUse:
    """Evidence that a sync session or connection is used by async code."""

    value: Value
    node: cst.CSTNode  # the call, or the function that yields the session
    function: Scope
    site: CallSite | None  # the blocking call, when the use is a call

    def describe(self) -> str:
        name = function_name(self.function)
        if self.site is None:
            return f"the `async def {name}` dependency provides it"
        return f"`async def {name}` calls `{self.site.name}()` on it"


def _is_engine_session(value: Value | None, engine: Value) -> bool:
    return value is not None and not value.is_class and value.kind in SYNC_KINDS and value.is_bound_to(engine)


def sync_scopes_using(engine: Value, context: RuleContext) -> Iterator[Scope]:
    """Scopes outside `async def` (plain functions, the module) that use or provide sessions of `engine`."""
    semantics = context.semantics
    for scope in context.facts.scopes():
        if scope.is_async_function() or scope.kind in (ScopeKind.CLASS, ScopeKind.COMPREHENSION):
            continue
        uses = any(
            site.receiver is not None and _is_engine_session(semantics.value_of(site.receiver, site.scope), engine)
            for site in scope.calls
        )
        provides = bool(scope.yields or scope.returns) and scope.kind is ScopeKind.FUNCTION
        if uses or (provides and _is_engine_session(semantics.provided_value(scope), engine)):
            yield scope


def sync_withs_opening(engine: Value, context: RuleContext) -> Iterator[tuple[Scope, cst.With]]:
    """Plain `with` statements that open sessions or connections of `engine`, with the scope they are in."""
    for scope in context.facts.scopes():
        for bindings in scope.bindings.values():
            for binding in bindings:
                if binding.kind is not BindingKind.WITH or binding.is_async or binding.value is None:
                    continue
                if isinstance(binding.node, cst.With) and _is_engine_session(
                    context.semantics.with_value(binding.value, scope), engine
                ):
                    yield scope, binding.node


def sync_uses_in_async_code(context: RuleContext) -> Iterator[SyncUse]:
    """Blocking calls on sync sessions inside `async def`, and `async def` functions that provide sync sessions."""
    semantics = context.semantics
    for scope in context.facts.functions:
        if not scope.is_async:
            continue
        for site in scope.calls:
            if site.receiver is None or site.name not in IO_METHODS:
                continue
            value = semantics.value_of(site.receiver, site.scope)
            if value is not None and not value.is_class and value.kind in SYNC_KINDS:
                yield SyncUse(value, site.call, scope, site)
        if scope.yields or scope.returns:
            provided = semantics.provided_value(scope)
            if provided is not None and provided.kind in SYNC_KINDS:
                yield SyncUse(provided, name_node(scope), scope, None)
