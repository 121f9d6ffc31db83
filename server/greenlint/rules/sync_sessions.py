"""Where sync sessions meet async code (shared by GL001 and GL008)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from greenlint.rules.base import RuleContext
from greenlint.rules.common import function_name
from greenlint.semantics.facts import CallSite, Scope
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


def sync_functions_using(engine: Value, context: RuleContext) -> Iterator[Scope]:
    """Plain `def` functions that call methods on sessions of `engine`, or provide such sessions."""
    semantics = context.semantics
    for scope in context.facts.functions:
        if scope.is_async:
            continue
        uses = any(
            site.receiver is not None
            and (value := semantics.value_of(site.receiver, scope)) is not None
            and not value.is_class
            and value.kind in SYNC_KINDS
            and value.bound_engine() is engine
            for site in scope.calls
        )
        provided = semantics.provided_value(scope) if scope.yields or scope.returns else None
        if uses or (provided is not None and provided.kind in SYNC_KINDS and provided.bound_engine() is engine):
            yield scope


def sync_uses_in_async_code(context: RuleContext) -> Iterator[SyncUse]:
    """Blocking calls on sync sessions inside `async def`, and `async def` functions that provide sync sessions."""
    semantics = context.semantics
    for scope in context.facts.functions:
        if not scope.is_async:
            continue
        for site in scope.calls:
            if site.receiver is None or site.name not in IO_METHODS:
                continue
            value = semantics.value_of(site.receiver, scope)
            if value is not None and not value.is_class and value.kind in SYNC_KINDS:
                yield SyncUse(value, site.call, scope, site)
        if scope.yields or scope.returns:
            provided = semantics.provided_value(scope)
            if provided is not None and provided.kind in SYNC_KINDS:
                yield SyncUse(provided, scope.node, scope, None)
