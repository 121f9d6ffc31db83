"""GL201 (one AsyncSession used by concurrent tasks) and GL205 (one AsyncSession shared by every request),
executed for real on SQLite (aiosqlite) and PostgreSQL (asyncpg), then as the rule's message asks them to be
changed (neither rule has an automatic fix): that program runs cleanly and greenlint reports nothing on it.

What fails depends on the database: a session that opens its connection while another task uses it fails on
both; a commit or rollback running while another task's query is in flight fails only on asyncpg (aiosqlite
queues the two), where it can leave the pooled connection broken for later requests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import concurrency_programs

from runtools import SQLALCHEMY_21, SQLITE, Database, codes, run

CLOSE_WHILE_CONNECTING = "Method 'close()' can't be called here; method '_connection_for_bind()' is already in progress"
PROVISIONING = "This session is provisioning a new connection; concurrent operations are not permitted"
IN_PROGRESS = "cannot perform operation: another operation is in progress"
BROKEN_CONNECTION = "cannot use Connection.transaction() in a manually started transaction"
COMMIT_IN_COMMIT = "Method 'commit()' can't be called here; method 'commit()' is already in progress"
COUNT_USERS = "[SQL: SELECT count(*) AS count_1 \nFROM users]"


def execute(code: str, directory: Path) -> dict[str, Any]:
    """What the program printed; it must not crash (the errors are answered as HTTP 500s)."""
    outcome = run(code, directory)
    assert outcome.returncode == 0, outcome.stderr
    return outcome.result


def recommended(code: str, directory: Path) -> dict[str, Any]:
    """The program as the rule's message asks: greenlint reports nothing, and it runs without an error or warning."""
    assert codes(code) == []
    outcome = run(code, directory)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stderr == ""
    return outcome.result


def error(response: dict[str, Any], name: str, message: str) -> dict[str, Any]:
    """`response` is an HTTP 500 whose route raised `name` with `message` in its text; the error, as printed."""
    assert response["status"] == 500, response
    body: dict[str, Any] = response["body"]
    assert body["error"] == name
    assert message in body["message"]
    return body


def test_gl201_gathered_counts_fail_in_requests_that_open_a_connection(database: Database, tmp_path: Path) -> None:
    code = database.program(concurrency_programs.GL201_GATHERED_COUNTS)
    assert codes(code) == ["GL201", "GL201"]
    broken = execute(code, tmp_path)
    ok = {"status": 200, "body": [2, 0]}
    # The request that got the pooled idle connection works; the two that had to open one fail, and leak it.
    first, *others = broken["concurrent"]
    assert first == ok
    for response in others:
        body = error(response, "IllegalStateChangeError", CLOSE_WHILE_CONNECTING)  # closing the session in get_db
        assert body["while"]["error"] == "InvalidRequestError"
        assert body["while"]["message"].startswith(PROVISIONING)  # raised by the second gathered query
    assert broken["checked_out"] == 2
    assert broken["later"] == ok

    cured = recommended(database.program(concurrency_programs.GL201_A_SESSION_PER_TASK), tmp_path)
    assert cured == {"concurrent": [ok, ok, ok], "checked_out": 0, "later": ok}


def test_gl201_a_query_gathered_with_the_commit_breaks_the_connection(postgresql: Database, tmp_path: Path) -> None:
    code = postgresql.program(concurrency_programs.GL201_GATHERED_COMMIT)
    assert codes(code) == ["GL201", "GL201"]
    broken = execute(code, tmp_path)
    error(broken["created"], "InterfaceError", IN_PROGRESS)  # the COMMIT, sent while the SELECT runs
    assert broken["stored"] == []
    # The connection went back to the pool inside asyncpg's unfinished transaction: every later use of it fails.
    for response in broken["later"]:
        error(response, "InterfaceError", BROKEN_CONNECTION)

    cured = recommended(postgresql.program(concurrency_programs.GL201_SEQUENTIAL_COMMIT), tmp_path)
    assert cured == committed_ada()


def test_gl201_a_query_gathered_with_the_commit_works_on_sqlite(tmp_path: Path) -> None:
    code = SQLITE.program(concurrency_programs.GL201_GATHERED_COMMIT)
    assert codes(code) == ["GL201", "GL201"]
    assert execute(code, tmp_path) == committed_ada()  # aiosqlite runs the two one after the other: a latent bug

    cured = recommended(SQLITE.program(concurrency_programs.GL201_SEQUENTIAL_COMMIT), tmp_path)
    assert cured == committed_ada()


def committed_ada() -> dict[str, Any]:
    """What GL201_GATHERED_COMMIT prints when "ada" is committed: the answer, two reads, the stored rows."""
    names = {"status": 200, "body": ["ada"]}
    return {"created": {"status": 200, "body": {"id": 1, "users": 1}}, "later": [names, names], "stored": ["ada"]}


def test_gl205_concurrent_requests_on_a_shared_session_fail(postgresql: Database, tmp_path: Path) -> None:
    code = postgresql.program(concurrency_programs.GL205_SHARED_COUNT)
    assert codes(code) == ["GL205"]
    first, second = execute(code, tmp_path)["concurrent"]
    assert first == {"status": 200, "body": 2}
    # The second request's SELECT is sent while the first request's COMMIT is in flight on the one connection.
    body = error(second, "InterfaceError", IN_PROGRESS)
    assert COUNT_USERS in body["message"]

    cured = recommended(postgresql.program(concurrency_programs.GL205_COUNT_PER_REQUEST), tmp_path)
    assert cured == {"concurrent": [{"status": 200, "body": 2}] * 2}


def test_gl205_concurrent_requests_on_a_shared_session_on_sqlite(tmp_path: Path) -> None:
    code = SQLITE.program(concurrency_programs.GL205_SHARED_COUNT)
    assert codes(code) == ["GL205"]
    first, second = execute(code, tmp_path)["concurrent"]
    assert first == {"status": 200, "body": 2}
    if SQLALCHEMY_21:
        assert second == {"status": 200, "body": 2}  # a latent bug
    else:
        error(second, "IllegalStateChangeError", COMMIT_IN_COMMIT)

    cured = recommended(SQLITE.program(concurrency_programs.GL205_COUNT_PER_REQUEST), tmp_path)
    assert cured == {"concurrent": [{"status": 200, "body": 2}] * 2}


def test_gl205_one_requests_rollback_discards_anothers_row(database: Database, tmp_path: Path) -> None:
    code = database.program(concurrency_programs.GL205_SHARED_ROLLBACK)
    assert codes(code) == ["GL205"] * 3
    created = {"status": 200, "body": {"id": 1}}
    imported = {"status": 422, "body": {"detail": "duplicate names"}}
    # `/users` answers 200 with the id of a row that `/import`'s rollback discarded; `/names` leaves the shared
    # session in a transaction, holding a connection of the pool.
    assert execute(code, tmp_path) == {
        "created": created,
        "imported": imported,
        "names": {"status": 200, "body": []},
        "checked_out": 1,
        "stored": [],
    }

    cured = recommended(database.program(concurrency_programs.GL205_ROLLBACK_PER_REQUEST), tmp_path)
    assert cured == {
        "created": created,
        "imported": imported,
        "names": {"status": 200, "body": ["ada"]},
        "checked_out": 0,
        "stored": ["ada"],
    }
