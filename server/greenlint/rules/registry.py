"""Every rule greenlint has, in code order, and selection by code prefix or name."""

from __future__ import annotations

from collections.abc import Sequence

from greenlint.core.config import Settings, matches
from greenlint.rules.base import BaseRule
from greenlint.rules.gl001_sync_engine_for_async_code import SyncEngineForAsyncCode
from greenlint.rules.gl002_unawaited_async_call import UnawaitedAsyncCall
from greenlint.rules.gl003_session_annotation_mismatch import SessionAnnotationMismatch
from greenlint.rules.gl004_query_on_async_session import QueryOnAsyncSession
from greenlint.rules.gl005_await_in_sync_function import AwaitInSyncFunction
from greenlint.rules.gl006_sync_driver_in_async_engine import SyncDriverInAsyncEngine
from greenlint.rules.gl007_async_driver_in_sync_engine import AsyncDriverInSyncEngine
from greenlint.rules.gl008_blocking_session_in_async_def import BlockingSessionInAsyncDef
from greenlint.rules.gl101_lazy_load_in_async import LazyLoadInAsync
from greenlint.rules.gl102_response_model_lazy_load import ResponseModelLazyLoad
from greenlint.rules.gl103_expired_attribute_access import ExpiredAttributeAccess
from greenlint.rules.gl104_server_generated_column_read import ServerGeneratedColumnRead
from greenlint.rules.gl201_concurrent_session_use import ConcurrentSessionUse
from greenlint.rules.gl202_await_on_sync_method import AwaitOnSyncMethod
from greenlint.rules.gl203_sync_with_on_async_object import SyncWithOnAsyncObject
from greenlint.rules.gl204_unawaited_coroutine_function import UnawaitedCoroutineFunction
from greenlint.rules.gl205_shared_async_session import SharedAsyncSession
from greenlint.rules.gl301_missing_async_dependency import MissingAsyncDependency

ALL_RULES: tuple[BaseRule, ...] = tuple(
    sorted(
        (
            SyncEngineForAsyncCode(),
            UnawaitedAsyncCall(),
            SessionAnnotationMismatch(),
            QueryOnAsyncSession(),
            AwaitInSyncFunction(),
            SyncDriverInAsyncEngine(),
            AsyncDriverInSyncEngine(),
            BlockingSessionInAsyncDef(),
            LazyLoadInAsync(),
            ResponseModelLazyLoad(),
            ExpiredAttributeAccess(),
            ServerGeneratedColumnRead(),
            AwaitOnSyncMethod(),
            SyncWithOnAsyncObject(),
            ConcurrentSessionUse(),
            UnawaitedCoroutineFunction(),
            SharedAsyncSession(),
            MissingAsyncDependency(),
        ),
        key=lambda rule: rule.code,
    )
)


def known_codes() -> list[tuple[str, str]]:
    return [(rule.code, rule.name) for rule in ALL_RULES]


def rule_for(selector: str) -> BaseRule | None:
    """The rule with this exact code or name."""
    for rule in ALL_RULES:
        if selector.upper() == rule.code or selector == rule.name:
            return rule
    return None


def selected_rules(settings: Settings, extra_ignores: Sequence[str] = ()) -> list[BaseRule]:
    """The rules `settings` enable: all unless `select` narrows them, minus `ignore` and extra ignores."""
    chosen = [
        rule
        for rule in ALL_RULES
        if not settings.select or any(matches(s, rule.code, rule.name) for s in settings.select)
    ]
    ignored = (*settings.ignore, *extra_ignores)
    return [rule for rule in chosen if not any(matches(s, rule.code, rule.name) for s in ignored)]
