"""Helpers of the CLI tests: run `greenlint` in-process or as a subprocess, build small projects."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from greenlint.cli.main import main
from greenlint.rules.registry import rule_for

REPOSITORY = Path(__file__).resolve().parents[2]
SHOP = REPOSITORY / "examples" / "shop"
# The public rule codes, in order: editors, CI scripts and users rely on them.
ALL_CODES = [
    "GL001",
    "GL002",
    "GL003",
    "GL004",
    "GL005",
    "GL006",
    "GL007",
    "GL008",
    "GL101",
    "GL102",
    "GL103",
    "GL104",
    "GL201",
    "GL202",
    "GL203",
    "GL204",
    "GL205",
    "GL301",
]

# A GL002 case whose finding is preceded, on its own line, by non-ASCII text (3 CJK characters and an
# emoji outside the BMP): columns in code points differ from UTF-8 bytes and from UTF-16 code units.
UNAWAITED = textwrap.dedent(
    """\
    from sqlalchemy.ext.asyncio import AsyncSession


    async def rename(db: AsyncSession, user) -> None:
        user.name = "日本語🎉"; db.commit()
    """
)
UNAWAITED_FIXED = UNAWAITED.replace("; db.commit()", "; await db.commit()")
UNAWAITED_LINE = 5
UNAWAITED_COLUMN = UNAWAITED.splitlines()[4].index("db.commit()") + 1  # 25, in code points
UNAWAITED_END_COLUMN = UNAWAITED_COLUMN + len("db.commit()")

# GL002 in a plain `def`: reported, but no fix is offered.
UNFIXABLE = textwrap.dedent(
    """\
    from sqlalchemy.ext.asyncio import AsyncSession


    def save(db: AsyncSession) -> None:
        db.commit()
    """
)

CLEAN = textwrap.dedent(
    """\
    from sqlalchemy.ext.asyncio import AsyncSession


    async def save(db: AsyncSession) -> None:
        await db.commit()
    """
)


def example(code: str, index: int = 0) -> str:
    """The code of a rule's `index`-th example."""
    rule = rule_for(code)
    assert rule is not None
    return rule.examples[index].code


def fixed_example(code: str, index: int = 0) -> str:
    rule = rule_for(code)
    assert rule is not None
    fixed = rule.examples[index].fixed
    assert fixed is not None
    return fixed


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """`greenlint ARGV` in-process; argparse usage errors (SystemExit) become the exit code."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def run_process(*argv: str, cwd: Path) -> Run:
    """`python -m greenlint ARGV` as a real subprocess."""
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    completed = subprocess.run(
        [sys.executable, "-m", "greenlint", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        timeout=120,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    """Create `files` (relative path -> text or bytes) under `root`; text is written as UTF-8 with \\n."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


def found(result: Run) -> list[tuple[str, int, str]]:
    """(path, line, code) of every finding of a `--format json` run."""
    return [(record["path"], record["line"], record["code"]) for record in result.json()]


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply JSON edits (1-based code-point line/column ranges) to `text`, last first."""
    starts = [0, *(match.end() for match in re.finditer(r"\r\n|\r|\n", text))]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    ordered = sorted(edits, key=lambda edit: (edit["line"], edit["column"]), reverse=True)
    for edit in ordered:
        start = offset(edit["line"], edit["column"])
        end = offset(edit["end_line"], edit["end_column"])
        text = text[:start] + edit["new_text"] + text[end:]
    return text
