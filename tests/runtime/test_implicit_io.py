"""GL101-GL104 (implicit IO under AsyncSession), executed for real on SQLite (aiosqlite) and PostgreSQL (asyncpg),
then again after greenlint's fix.

Every buggy program really raises what the rule's message says (MissingGreenlet, or HTTP 500 from FastAPI), and
greenlint reports it; the text after `check --fix --unsafe-fixes` runs cleanly and greenlint reports nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orm_programs

from runtools import SQLALCHEMY_21, Database, Run, codes, fixed, run

# What MissingGreenlet says on each SQLAlchemy version.
GREENLET_20 = "greenlet_spawn has not been called; can't call await_only() here"
GREENLET_21 = "greenlet_spawn has not been called; can't call await_() here"
GREENLET = GREENLET_21 if SQLALCHEMY_21 else GREENLET_20
# SQLAlchemy 2.1 with aiosqlite raises StatementError around MissingGreenlet, quoting it and the SQL it could not
# run; SQLAlchemy 2.0 (either driver) and asyncpg (either version) raise MissingGreenlet itself, without the SQL.
CAUSE = "(sqlalchemy.exc.MissingGreenlet) "
# How pydantic reports a field it could not read (FastAPI's ResponseValidationError, type get_attribute_error).
EXTRACTING = "Error extracting attribute: "

# The implicit IO each program's bug attempts, as a wrapped error quotes it (SQLite's placeholders).
LOAD_BOOKS = "SELECT books.id, books.title, books.author_id FROM books WHERE ? = books.author_id"
LOAD_AUTHOR = "SELECT authors.id, authors.name FROM authors WHERE authors.id = ?"
RELOAD_NOTE = "SELECT notes.id, notes.text FROM notes WHERE notes.id = ?"
LOAD_UPDATED_AT = "SELECT pages.updated_at FROM pages WHERE pages.id = ?"
LOAD_BODY = "SELECT pages.body FROM pages WHERE pages.id = ?"


def one_line(text: str) -> str:
    return " ".join(text.split())


def assert_missing_greenlet(error: str, message: str, database: Database, sql: str) -> None:
    """`error` (a class name) with `message` is how the implicit IO running `sql` failed on `database`."""
    message = one_line(message)
    if SQLALCHEMY_21 and not database.postgresql:
        assert error == "StatementError"
        assert message.startswith(CAUSE + GREENLET)
        assert f"[SQL: {sql}]" in message
    else:
        assert error == "MissingGreenlet"
        assert message.startswith(GREENLET)
        assert "[SQL:" not in message


def assert_raised(outcome: Any, database: Database, sql: str) -> None:
    """`outcome` is what a program's `observed(error)` printed: MissingGreenlet, maybe wrapped, running `sql`."""
    assert isinstance(outcome, dict), outcome
    assert outcome["missing_greenlet"] is True
    assert outcome["orig"] == ("MissingGreenlet" if outcome["error"] == "StatementError" else None)
    assert_missing_greenlet(outcome["error"], outcome["message"], database, sql)


def assert_answered_500(outcome: dict[str, Any], database: Database, locations: list[list[Any]], sql: str) -> None:
    """The client got HTTP 500: FastAPI raised ResponseValidationError, pydantic could not read these fields."""
    assert outcome["status"] == 500
    assert outcome["raised"] == "ResponseValidationError"
    assert [error["loc"] for error in outcome["errors"]] == locations
    for error in outcome["errors"]:
        assert error["type"] == "get_attribute_error"
        assert error["msg"].startswith(EXTRACTING)
        kind, _, message = error["msg"].removeprefix(EXTRACTING).partition(": ")
        assert_missing_greenlet(kind, message, database, sql)


def execute(code: str, database: Database, directory: Path) -> Run:
    """Run `code` on `database`, from a fresh directory; it exits normally (a program catches what it observes)."""
    directory.mkdir()
    done = run(database.program(code), directory)
    assert done.returncode == 0, done.stderr
    return done


def greenlint_fix(code: str, rule: str, findings: int) -> str:
    """`code` as `check --fix --unsafe-fixes` leaves it: greenlint reported `rule` `findings` times, now nothing."""
    assert codes(code) == [rule] * findings
    text = fixed(code, rule)
    assert codes(text) == []
    return text


def run_cleanly(code: str, database: Database, directory: Path) -> dict[str, Any]:
    """What `code` printed, running on `database` without an exception or a warning (nothing on stderr)."""
    done = execute(code, database, directory)
    assert done.stderr == "", done.stderr
    return done.result


def test_gl101_lazy_relationship_reads_raise_missing_greenlet(database: Database, tmp_path: Path) -> None:
    broken = execute(orm_programs.GL101_LAZY_LOAD, database, tmp_path / "broken").result
    assert_raised(broken["one_to_many"], database, LOAD_BOOKS)
    assert_raised(broken["many_to_one"], database, LOAD_AUTHOR)

    text = greenlint_fix(orm_programs.GL101_LAZY_LOAD, "GL101", 2)
    assert "await db.get(Author, author_id, options=[selectinload(Author.books)])" in text
    assert "select(Book).options(selectinload(Book.author))" in text
    cured = run_cleanly(text, database, tmp_path / "fixed")
    assert cured == {"one_to_many": ["Emma", "Persuasion"], "many_to_one": ["Herbert", "Austen", "Austen"]}


def test_gl101_plain_refresh_reloads_only_what_loader_options_loaded(database: Database, tmp_path: Path) -> None:
    broken = execute(orm_programs.GL101_REFRESH, database, tmp_path / "broken").result
    assert broken["options"] == ["Emma", "Persuasion"]  # greenlint is silent there: see greenlint_fix's count
    assert_raised(broken["named"], database, LOAD_BOOKS)

    text = greenlint_fix(orm_programs.GL101_REFRESH, "GL101", 1)
    assert "await db.get(Author, author_id, options=[selectinload(Author.books)])" in text
    assert text.count("options=[selectinload(Author.books)]") == 2  # the first function is left as it was
    assert run_cleanly(text, database, tmp_path / "fixed") == {"options": ["Emma", "Persuasion"], "named": 4}


def test_gl102_response_model_lazy_load_answers_500(database: Database, tmp_path: Path) -> None:
    broken = execute(orm_programs.GL102_RESPONSE_MODEL, database, tmp_path / "broken").result
    assert_answered_500(broken["list"], database, [["response", 0, "books"], ["response", 1, "books"]], LOAD_BOOKS)
    assert_answered_500(broken["one"], database, [["response", "books"]], LOAD_BOOKS)

    text = greenlint_fix(orm_programs.GL102_RESPONSE_MODEL, "GL102", 2)
    assert "select(Author).options(selectinload(Author.books))" in text
    assert "await db.get(Author, author_id, options=[selectinload(Author.books)])" in text
    herbert = {"name": "Herbert", "books": [{"title": "Dune"}]}
    assert run_cleanly(text, database, tmp_path / "fixed") == {
        "list": {
            "status": 200,
            "body": [{"name": "Austen", "books": [{"title": "Emma"}, {"title": "Persuasion"}]}, herbert],
        },
        "one": {"status": 200, "body": herbert},
    }


def test_gl103_reads_after_commit_and_rollback_raise_missing_greenlet(database: Database, tmp_path: Path) -> None:
    broken = execute(orm_programs.GL103_EXPIRED_READ, database, tmp_path / "broken").result
    for case in ("commit", "begin", "rollback"):
        assert_raised(broken[case], database, RELOAD_NOTE)
    assert broken["rows"] == [[1, "hello"], [2, "world"]]  # both commits happened

    text = greenlint_fix(orm_programs.GL103_EXPIRED_READ, "GL103", 3)
    assert text.count("await db.refresh(note)") == 3
    assert run_cleanly(text, database, tmp_path / "fixed") == {
        "commit": {"id": 1, "text": "hello"},
        "begin": 2,
        "rollback": "hello",  # the rollback discarded "changed"
        "rows": [[1, "hello"], [2, "world"]],
    }


def test_gl103_expired_response_answers_500_although_committed(database: Database, tmp_path: Path) -> None:
    broken = execute(orm_programs.GL103_EXPIRED_RESPONSE, database, tmp_path / "broken").result
    assert_answered_500(broken, database, [["response", "id"], ["response", "text"]], RELOAD_NOTE)
    assert broken["rows"] == [[1, "hello"]]  # read back through a new connection: the commit happened

    text = greenlint_fix(orm_programs.GL103_EXPIRED_RESPONSE, "GL103", 1)
    assert "await db.commit()\n    await db.refresh(note)\n    return note\n" in text
    cured = run_cleanly(text, database, tmp_path / "fixed")
    assert cured == {"status": 200, "body": {"id": 1, "text": "hello"}, "rows": [[1, "hello"]]}


def test_gl104_onupdate_and_deferred_columns_raise_missing_greenlet(database: Database, tmp_path: Path) -> None:
    broken = execute(orm_programs.GL104_SERVER_GENERATED, database, tmp_path / "broken").result
    assert_raised(broken["onupdate"], database, LOAD_UPDATED_AT)
    assert_raised(broken["deferred"], database, LOAD_BODY)

    text = greenlint_fix(orm_programs.GL104_SERVER_GENERATED, "GL104", 2)
    assert 'await db.refresh(page, ["updated_at"])' in text
    assert 'await db.refresh(page, ["body"])' in text
    cured = run_cleanly(text, database, tmp_path / "fixed")
    assert cured["deferred"] == "Welcome"
    assert datetime.fromisoformat(cured["onupdate"]) > datetime(2000, 1, 1)  # the database's func.now(), not the seed
