"""GL202 (await on a sync method) and GL203 (plain `with` on an async object), executed for real on SQLite
(aiosqlite) and PostgreSQL (asyncpg), then greenlint's own fix, executed again.

Each buggy program really fails the way the rule's message says, and greenlint reports exactly those lines; the
text after `check --fix --unsafe-fixes` runs cleanly and greenlint reports nothing. SQLAlchemy 2.0 and 2.1 behave
the same here, on both databases.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import context_programs

from greenlint.core.analysis import analyze
from greenlint.rules.registry import ALL_RULES
from runtools import Database, Run, codes, fixed, run

NONE_AWAITED = "object NoneType can't be used in 'await' expression"
BOOL_AWAITED = "object bool can't be used in 'await' expression"
NOT_STARTED = "AsyncConnection context has not been started and object has not been awaited."


def execute(code: str, directory: Path) -> Run:
    """Run `code` in a fresh directory (its own app.db on SQLite); it must not crash."""
    directory.mkdir()
    outcome = run(code, directory)
    assert outcome.returncode == 0, outcome.stderr
    return outcome


def cure(code: str, rule: str, findings: int, directory: Path) -> dict[str, Any]:
    """The program as `check --fix --unsafe-fixes` leaves it: changed, clean for greenlint, and it runs cleanly."""
    assert codes(code) == [rule] * findings
    text = fixed(code, rule)
    assert text != code
    assert codes(text) == []
    cured = execute(text, directory)
    assert cured.stderr == ""
    return cured.result


def no_context_manager(type_name: str) -> dict[str, str]:
    """What a plain `with` on an object that only has `__aenter__` / `__aexit__` raises, by Python version."""
    if sys.version_info >= (3, 11):
        return {"error": "TypeError", "message": f"'{type_name}' object does not support the context manager protocol"}
    return {"error": "AttributeError", "message": "__enter__"}


def assert_no_context_manager(outcome: Any, type_name: str) -> None:
    expected = no_context_manager(type_name)
    assert isinstance(outcome, dict), outcome
    assert outcome["error"] == expected["error"]
    assert outcome["message"].startswith(expected["message"])  # newer Pythons append a hint


def test_gl202_await_add_answers_500_and_loses_the_row(database: Database, tmp_path: Path) -> None:
    code = database.program(context_programs.GL202_AWAIT_ADD)
    broken = execute(code, tmp_path / "broken").result
    assert broken == {"status": 500, "body": {"error": "TypeError", "message": NONE_AWAITED}, "stored": []}

    cured = cure(code, "GL202", 1, tmp_path / "fixed")
    assert cured == {"status": 200, "body": {"id": 1}, "stored": ["ada"]}


def test_gl202_awaited_inspectors_raise_or_begin_another_savepoint(database: Database, tmp_path: Path) -> None:
    code = database.program(context_programs.GL202_INSPECTORS)
    broken = execute(code, tmp_path / "broken").result
    assert broken["busy"] == {"error": "TypeError", "message": BOOL_AWAITED}
    assert broken["savepoints"] == 2  # `await db.get_nested_transaction()` silently began a second SAVEPOINT

    cured = cure(code, "GL202", 2, tmp_path / "fixed")
    assert cured == {"busy": False, "savepoints": 1}


def test_gl202_message_states_the_measured_error() -> None:
    findings = analyze(context_programs.GL202_AWAIT_ADD, ALL_RULES).findings
    assert [finding.code for finding in findings] == ["GL202"]
    assert NONE_AWAITED in findings[0].message
    assert "the row is lost" in findings[0].message


def test_gl203_plain_with_raises_before_the_block_runs(database: Database, tmp_path: Path) -> None:
    code = database.program(context_programs.GL203_SYNC_WITH)
    broken = execute(code, tmp_path / "broken").result
    assert_no_context_manager(broken["create_tables"], "_AsyncGeneratorContextManager")  # engine.begin()
    assert_no_context_manager(broken["add_user"], "_AsyncSessionContextManager")  # Sessions.begin()
    assert_no_context_manager(broken["count_users"], "AsyncSession")  # Sessions()
    assert_no_context_manager(broken["ping"], "AsyncConnection")  # engine.connect()
    assert_no_context_manager(broken["rename"], "AsyncSessionTransaction")  # db.begin()
    assert broken["ping_unstarted"] == {"error": "AsyncContextNotStarted", "message": NOT_STARTED}

    cured = cure(code, "GL203", 6, tmp_path / "fixed")
    assert cured == {
        "create_tables": "created",
        "add_user": "added",
        "count_users": 1,
        "ping": 1,
        "ping_unstarted": 2,
        "rename": "grace",
    }


def test_gl203_messages_name_the_types_of_the_errors() -> None:
    findings = analyze(context_programs.GL203_SYNC_WITH, ALL_RULES).findings
    messages = [finding.message for finding in findings]
    for type_name in (
        "_AsyncGeneratorContextManager",
        "_AsyncSessionContextManager",
        "AsyncSession",
        "AsyncConnection",
        "AsyncSessionTransaction",
    ):
        expected = f"TypeError: '{type_name}' object does not support the context manager protocol"
        assert any(expected in message for message in messages), type_name
    assert any(f"AsyncContextNotStarted: {NOT_STARTED[:-1]}" in message for message in messages)
