"""Helpers shared by several rules: code snippets for messages and the small rewrites fixes are made of."""

from __future__ import annotations

import libcst as cst

from greenlint.semantics.facts import CallSite, ModuleFacts, Scope, Use
from greenlint.semantics.infer import Semantics
from greenlint.semantics.names import ROUTE_METHODS
from greenlint.semantics.tree import code_of
from greenlint.semantics.values import UrlRef


def snippet(node: cst.CSTNode, limit: int = 40) -> str:
    """The code of a node on one line, shortened for a message."""
    code = " ".join(code_of(node).split())
    return code if len(code) <= limit else code[: limit - 1] + "…"


def call_label(site: CallSite) -> str:
    """`db.commit()` / `db.execute(...)` for a message."""
    receiver = snippet(site.receiver, 30) + "." if site.receiver is not None else ""
    return f"`{receiver}{site.name}({'...' if site.call.args else ''})`"


def function_name(scope: Scope) -> str:
    node = scope.node
    return node.name.value if isinstance(node, cst.FunctionDef) else "<lambda>"


def name_node(scope: Scope) -> cst.CSTNode:
    """The node to point at for a function: its name (not the whole definition)."""
    node = scope.node
    return node.name if isinstance(node, cst.FunctionDef) else node


def awaited(node: cst.CSTNode, parenthesize: bool) -> cst.Await:
    """`await node`, in parentheses when it is the receiver of an attribute, item or call."""
    assert isinstance(node, cst.BaseExpression)
    if parenthesize:
        return cst.Await(node, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Await(node)


def without_await(node: cst.CSTNode) -> cst.CSTNode:
    """The operand of an Await, keeping the Await's own parentheses."""
    assert isinstance(node, cst.Await)
    inner = node.expression
    return inner.with_changes(lpar=[*node.lpar, *inner.lpar], rpar=[*inner.rpar, *node.rpar])


def make_async(node: cst.CSTNode) -> cst.CSTNode:
    assert isinstance(node, cst.FunctionDef)
    return node if node.asynchronous is not None else node.with_changes(asynchronous=cst.Asynchronous())


def make_async_with(node: cst.CSTNode) -> cst.CSTNode:
    assert isinstance(node, cst.With)
    return node if node.asynchronous is not None else node.with_changes(asynchronous=cst.Asynchronous())


def make_sync(node: cst.CSTNode) -> cst.CSTNode:
    assert isinstance(node, cst.FunctionDef)
    return node.with_changes(asynchronous=None)


def needs_parentheses(site: CallSite) -> bool:
    """Whether `await` inserted before this call must be parenthesised (its result is dereferenced)."""
    return site.use is Use.RECEIVER


def is_route_handler(node: cst.CSTNode) -> bool:
    """A function decorated like a FastAPI route: `@app.get(...)`, `@router.post(...)` ..."""
    if not isinstance(node, cst.FunctionDef):
        return False
    for decorator in node.decorators:
        expression = decorator.decorator
        if (
            isinstance(expression, cst.Call)
            and isinstance(expression.func, cst.Attribute)
            and expression.func.attr.value in ROUTE_METHODS
        ):
            return True
    return False


def is_dependency(scope: Scope, facts: ModuleFacts, semantics: Semantics) -> bool:
    """Whether a module-level function is passed to `Depends(...)` somewhere in the module."""
    for site in facts.all_calls():
        if (
            site.name in ("Depends", "Security")
            and site.call.args
            and semantics.function_named(site.call.args[0].value, site.scope) is scope
        ):
            return True
    return False


def is_awaited_anywhere(scope: Scope, facts: ModuleFacts) -> bool:
    """Whether some call in the module awaits the function of `scope` by name."""
    name = scope.node.name.value if isinstance(scope.node, cst.FunctionDef) else None
    return any(site.name == name and site.use is Use.AWAITED for site in facts.all_calls())


def with_scheme(node: cst.CSTNode, url: UrlRef, new_url: str) -> cst.CSTNode:
    """A string node with the URL scheme it spells replaced by the scheme of `new_url`."""
    old_scheme = url.text.partition("://")[0]
    new_scheme = new_url.partition("://")[0]
    if isinstance(node, cst.SimpleString):
        prefix_end = len(node.prefix) + len(node.quote)
        raw = node.value
        return node.with_changes(value=raw[:prefix_end] + raw[prefix_end:].replace(old_scheme, new_scheme, 1))
    if isinstance(node, cst.FormattedString) and isinstance(node.parts[0], cst.FormattedStringText):
        first = node.parts[0]
        first = first.with_changes(value=first.value.replace(old_scheme, new_scheme, 1))
        return node.with_changes(parts=[first, *node.parts[1:]])
    return node


def scheme(url: str) -> str:
    return url.partition("://")[0] + "://"
