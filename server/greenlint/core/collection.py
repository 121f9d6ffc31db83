"""Garbage collection while a file is analysed: off, then back on."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def without_collection(function: Callable[P, T]) -> Callable[P, T]:
    """Run `function` with automatic garbage collection off (and turn it back on after, if it was on).

    An analysis allocates millions of objects that reference counting frees (ModuleFacts.release): collections in
    the middle of one only walk the live tree and facts again and again (about 13% of a check's time). The few
    cycles it leaves are collected when collection is back on, before the next file. The language server keeps
    collection off and collects when idle (lsp/collector.py)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper
