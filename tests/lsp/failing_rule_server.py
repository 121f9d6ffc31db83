"""Test launcher: the real server, with GL004's check made to raise (to prove one failing rule hides nothing)."""

from __future__ import annotations

from collections.abc import Iterator

from greenlint.core.finding import Report
from greenlint.lsp.server import run
from greenlint.rules.base import RuleContext
from greenlint.rules.gl004_query_on_async_session import QueryOnAsyncSession


def _broken(self: QueryOnAsyncSession, context: RuleContext) -> Iterator[Report]:
    raise RuntimeError("GL004 exploded for the test")


QueryOnAsyncSession.check = _broken  # type: ignore[method-assign]

if __name__ == "__main__":
    run()
