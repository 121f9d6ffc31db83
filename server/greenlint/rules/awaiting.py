"""Shared by the rules about coroutines that are never awaited (GL002, GL204): how a call's result is used,
and the fix that awaits it."""

from __future__ import annotations

import libcst as cst

from greenlint.core.finding import Applicability, Fix
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import RuleContext
from greenlint.rules.common import awaited, needs_parentheses, without_await
from greenlint.semantics.facts import BindingKind, CallSite, Use

BUILTINS = frozenset(
    {
        "print",
        "len",
        "list",
        "dict",
        "set",
        "tuple",
        "str",
        "int",
        "float",
        "bool",
        "repr",
        "sorted",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "enumerate",
        "zip",
        "isinstance",
        "iter",
        "next",
        "hasattr",
        "getattr",
        "id",
        "type",
        "abs",
        "round",
        "format",
        "hash",
        "vars",
    }
)


def never_awaited(site: CallSite, context: RuleContext) -> bool:
    """Whether the coroutine a call returns is certainly never awaited: a statement, a condition, an operand,
    an attribute chain, a variable never awaited or handed on, an argument of a builtin, or returned from an
    `async def` (whose caller then awaits the outer coroutine only)."""
    use = site.use
    if use in (Use.STATEMENT, Use.CONDITION, Use.RECEIVER, Use.OPERAND, Use.ITERATED, Use.WITH_ITEM):
        return True
    if use is Use.ASSIGNED:
        return bool(site.targets) and not (set(site.targets) & site.scope.owner.escaping_names())
    if use is Use.RETURN:
        return site.scope.owner.is_async_function()
    if use is Use.ARGUMENT and isinstance(site.parent, cst.Call):
        return _is_plain_callee(site.parent.func, site, context)
    return False


def _is_plain_callee(callee: cst.BaseExpression, site: CallSite, context: RuleContext) -> bool:
    """Callees known not to await or schedule what they receive: builtins, classes of this module."""
    if not isinstance(callee, cst.Name):
        return False
    found = context.semantics.lookup(callee.value, site.scope)
    if found is None:
        return callee.value in BUILTINS
    return all(binding.kind is BindingKind.CLASS for binding in found[0])


def await_fix(site: CallSite, move_outer_await: bool = True) -> Fix | None:
    """Insert `await` (inside `async def` only), parenthesised where the result is dereferenced; a misplaced
    `await x.m().attr` becomes `(await x.m()).attr` when `move_outer_await`."""
    if not site.scope.owner.is_async_function():
        return None
    call, parenthesize = site.call, needs_parentheses(site)
    outer = site.chain_parent
    move_outer = (
        move_outer_await and site.use is Use.RECEIVER and site.chain_use is Use.AWAITED and isinstance(outer, cst.Await)
    )

    def build(builder: FixBuilder) -> None:
        builder.rewrite(call, lambda node: awaited(node, parenthesize), key="await")
        if move_outer and outer is not None:
            builder.rewrite(outer, without_await, key="unwrap")

    return Fix("Add await", Applicability.SAFE, build, key=("await", id(call)))
