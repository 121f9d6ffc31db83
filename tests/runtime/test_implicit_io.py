"""GL101-GL104 (implicit IO under AsyncSession), executed for real on SQLite (aiosqlite), then greenlint's fix.

Every buggy program really raises what the rule's message says (MissingGreenlet, or HTTP 500 from FastAPI), and
greenlint reports it; the text after `check --fix --unsafe-fixes` runs cleanly and greenlint reports nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orm_programs
import sqlalchemy

from greenlint.core.analysis import analyze
from greenlint.rules.registry import ALL_RULES
from runtools import Run, fixed, run

# SQLAlchemy 2.1 with aiosqlite wraps MissingGreenlet in StatementError (with the SQL); 2.0 raises it bare.
WRAPPED = tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2]) >= (2, 1)
GREENLET = "greenlet_spawn has not been called"
WRAPPED_GREENLET = f"StatementError: (sqlalchemy.exc.MissingGreenlet) {GREENLET}"

# The implicit IO each program's bug attempts.
LOAD_BOOKS = "SELECT books.id, books.title, books.author_id FROM books WHERE ? = books.author_id"
LOAD_AUTHOR = "SELECT authors.id, authors.name FROM authors WHERE authors.id = ?"
RELOAD_NOTE = "SELECT notes.id, notes.text FROM notes WHERE notes.id = ?"
LOAD_UPDATED_AT = "SELECT pages.updated_at FROM pages WHERE pages.id = ?"
LOAD_BODY = "SELECT pages.body FROM pages WHERE pages.id = ?"


def codes(code: str) -> list[str]:
    return sorted(finding.code for finding in analyze(code, ALL_RULES).findings)


def one_line(text: str) -> str:
    return " ".join(text.split())


def assert_missing_greenlet(outcome: Any, sql: str) -> None:
    """`outcome` is what a program's `observed(error)` printed for the implicit IO running `sql`."""
    assert isinstance(outcome, dict), outcome
    assert outcome["missing_greenlet"] is True
    assert GREENLET in outcome["message"]
    if WRAPPED:
        assert (outcome["error"], outcome["orig"]) == ("StatementError", "MissingGreenlet")
        assert f"[SQL: {sql}]" in one_line(outcome["message"])
    else:
        assert (outcome["error"], outcome["orig"]) == ("MissingGreenlet", None)


def assert_attribute_errors(outcome: dict[str, Any], locations: list[list[Any]], sql: str) -> None:
    """FastAPI raised ResponseValidationError: pydantic could not read these fields (MissingGreenlet)."""
    assert outcome["raised"] == "ResponseValidationError"
    assert [error["loc"] for error in outcome["errors"]] == locations
    for error in outcome["errors"]:
        assert error["type"] == "get_attribute_error"
        message = one_line(error["msg"])
        if WRAPPED:
            assert message.startswith(f"Error extracting attribute: {WRAPPED_GREENLET}")
            assert f"[SQL: {sql}]" in message
        else:
            assert message.startswith(f"Error extracting attribute: MissingGreenlet: {GREENLET}")


def execute(code: str, directory: Path) -> Run:
    """Run `code` in a fresh directory (its own app.db)."""
    directory.mkdir()
    return run(code, directory)


def cure(code: str, rule: str, findings: int, directory: Path) -> dict[str, Any]:
    """The program as `check --fix --unsafe-fixes` leaves it: changed, clean for greenlint, and it runs cleanly."""
    assert codes(code) == [rule] * findings
    text = fixed(code, rule)
    assert text != code
    assert codes(text) == []
    cured = execute(text, directory)
    assert cured.returncode == 0, cured.stderr
    assert "Traceback" not in cured.stderr
    assert "RuntimeWarning" not in cured.stderr
    return cured.result


def test_gl101_lazy_relationship_reads_raise_missing_greenlet(tmp_path: Path) -> None:
    broken = execute(orm_programs.GL101_LAZY_LOAD, tmp_path / "broken")
    assert broken.returncode == 0, broken.stderr
    assert_missing_greenlet(broken.result["one_to_many"], LOAD_BOOKS)
    assert_missing_greenlet(broken.result["many_to_one"], LOAD_AUTHOR)

    cured = cure(orm_programs.GL101_LAZY_LOAD, "GL101", 2, tmp_path / "fixed")
    assert cured == {"one_to_many": ["Emma", "Persuasion"], "many_to_one": ["Herbert", "Austen", "Austen"]}


def test_gl102_response_model_lazy_load_answers_500(tmp_path: Path) -> None:
    broken = execute(orm_programs.GL102_RESPONSE_MODEL, tmp_path / "broken")
    assert broken.returncode == 0, broken.stderr
    outcome = broken.result
    assert outcome["status"] == 500
    assert_attribute_errors(outcome, [["response", 0, "books"], ["response", 1, "books"]], LOAD_BOOKS)

    cured = cure(orm_programs.GL102_RESPONSE_MODEL, "GL102", 1, tmp_path / "fixed")
    assert cured == {
        "status": 200,
        "body": [
            {"name": "Austen", "books": [{"title": "Emma"}, {"title": "Persuasion"}]},
            {"name": "Herbert", "books": [{"title": "Dune"}]},
        ],
    }


def test_gl103_read_after_commit_raises_missing_greenlet(tmp_path: Path) -> None:
    broken = execute(orm_programs.GL103_EXPIRED_READ, tmp_path / "broken")
    assert broken.returncode == 0, broken.stderr
    assert_missing_greenlet(broken.result, RELOAD_NOTE)

    cured = cure(orm_programs.GL103_EXPIRED_READ, "GL103", 1, tmp_path / "fixed")
    assert cured == {"note": {"id": 1, "text": "hello"}}


def test_gl103_read_after_a_transaction_block_raises_missing_greenlet(tmp_path: Path) -> None:
    broken = execute(orm_programs.GL103_EXPIRED_AFTER_BEGIN, tmp_path / "broken")
    assert broken.returncode == 0, broken.stderr
    assert_missing_greenlet(broken.result, RELOAD_NOTE)

    cured = cure(orm_programs.GL103_EXPIRED_AFTER_BEGIN, "GL103", 1, tmp_path / "fixed")
    assert cured == {"note": {"id": 1, "text": "hello"}}


def test_gl103_expired_response_answers_500_although_committed(tmp_path: Path) -> None:
    broken = execute(orm_programs.GL103_EXPIRED_RESPONSE, tmp_path / "broken")
    assert broken.returncode == 0, broken.stderr
    outcome = broken.result
    assert outcome["status"] == 500
    assert outcome["rows"] == [[1, "hello"]]  # read back through a fresh sqlite3 connection: the commit happened
    assert_attribute_errors(outcome, [["response", "id"], ["response", "text"]], RELOAD_NOTE)

    cured = cure(orm_programs.GL103_EXPIRED_RESPONSE, "GL103", 1, tmp_path / "fixed")
    assert cured == {"status": 200, "body": {"id": 1, "text": "hello"}, "rows": [[1, "hello"]]}


def test_gl104_onupdate_and_deferred_columns_raise_missing_greenlet(tmp_path: Path) -> None:
    broken = execute(orm_programs.GL104_SERVER_GENERATED, tmp_path / "broken")
    assert broken.returncode == 0, broken.stderr
    assert_missing_greenlet(broken.result["onupdate"], LOAD_UPDATED_AT)
    assert_missing_greenlet(broken.result["deferred"], LOAD_BODY)

    cured = cure(orm_programs.GL104_SERVER_GENERATED, "GL104", 2, tmp_path / "fixed")
    assert cured["deferred"] == "Welcome"
    assert datetime.fromisoformat(cured["onupdate"]) > datetime(2000, 1, 1)  # the database's func.now(), not the seed
