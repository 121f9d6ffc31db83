"""Finding the engines a module creates and the URLs they are given (shared by GL001, GL006, GL007)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import RuleContext
from greenlint.rules.common import with_scheme
from greenlint.semantics.facts import CallSite
from greenlint.semantics.names import CREATE_ASYNC_ENGINE, CREATE_ENGINE
from greenlint.semantics.values import UrlRef, Value


@dataclass(frozen=True)
class EngineCall:
    site: CallSite
    value: Value
    is_async: bool


def engine_calls(context: RuleContext) -> Iterator[EngineCall]:
    """Every `create_engine(...)` / `create_async_engine(...)` call of the module."""
    for site in context.facts.all_calls():
        if site.name not in ("create_engine", "create_async_engine"):
            continue
        qualified = context.semantics.qualified_name(site.call.func, site.scope)
        if qualified in CREATE_ENGINE or qualified in CREATE_ASYNC_ENGINE:
            value = context.semantics.value_of(site.call, site.scope)
            if value is not None:
                yield EngineCall(site, value, qualified in CREATE_ASYNC_ENGINE)


def rewrite_url(builder: FixBuilder, url: UrlRef, new_url: str) -> None:
    """Register the rewrite of the string that spells `url`'s scheme."""
    builder.rewrite(url.node, lambda node: with_scheme(node, url, new_url), key=("scheme", new_url))


def url_is_shared(context: RuleContext, url: UrlRef) -> bool:
    """Whether a URL constant is referenced anywhere but in one engine call (rewriting it affects the others)."""
    if url.via is None or not url.via.isidentifier():
        return False
    code = context.facts.module.code
    return code.count(url.via) > 2
