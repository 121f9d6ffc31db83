"""Edit storms: 2,000 random incremental edits on one open document, interleaved with code-action requests.

One client profile (VS Code's: edits resolved lazily, versioned documentChanges, pushed diagnostics), in UTF-16 and
in UTF-8, with the debounce off (the server analyses whenever it can) and with the default one (bursts and pauses).
The edits are insertions, deletions, whole-line and multi-line replacements, two-cursor edits, typing a statement
key by key (the text stops parsing, then parses again or is erased) and breaking the text then undoing it; their
texts carry emoji (surrogate pairs in UTF-16, 4 bytes in UTF-8), ZWJ sequences, combining characters, CJK and
Devanagari, and the document's line ends are mixed (LF, CRLF, now and then a lone CR). Positions are computed on
the client's text in the negotiated encoding (`lsptools.Editor`).

How the server's text is observed. LSP has no request that returns a document's text, and the product has none
made for tests: what is checked is what a real client gets, computed by the server on its own copy of the text,
against what greenlint computes in-process on the client's copy.

- Publications: their versions never go back (all of them). The content of a sample (those of versions the test
  analysed anyway, PUBLICATIONS_SAMPLE others drawn with the seed, the last one) equals a fresh analysis of the
  client's text at that version: codes, messages (which quote code), ranges in the negotiated encoding. For a text
  that does not parse, exactly what the server's last good analysis (its version is in the diagnostics' `data`)
  found on single lines whose text has not changed. The last publication is for the final version, and equals a
  fresh analysis of the final text.
- Checkpoints (every so many edits, at the first text from there on that parses; the client waits for them): a
  code-action request whose context holds the fresh analysis' diagnostics without `data`, so that the server must
  find each one by code and range in its own analysis. The titles must be exactly those the fresh analysis'
  findings give, all for the current version; every "Disable GLxxx for this line" edit (which the server makes
  from its copy of the line, at that line's end) applied to the client's text must add `# noqa: GLxxx` to that
  line; one quick fix, and at every third checkpoint "Fix all", applied to the client's text must give what the fix
  gives in-process.
- Code-action requests sent without waiting (as editors do when the cursor moves), for the diagnostics last
  published: all answered, for a version no older than the one they were sent at; resolving an action of an older
  version (one answer in eight) gives no edit.

The server's copy changes only through these edits, so a difference, once made, stays and shows at the next
observation that covers its place: an extra or missing line break moves every later finding; a difference within
a line moves the findings, and the `# noqa` edits, of that line. What no finding or fix reaches (a comment on a line
without findings) goes unseen until one does, or until the edits that follow go astray because of it.

The server's RSS after all the edits stays within 50 MB of its RSS after WARMUP edits.

The edits come from a seed, printed (on failure rerun with GREENLINT_STORM_SEED=<seed>); a pace's storm is the
same in both encodings. Each storm prints its numbers (`pytest -s`): time, RSS, publications, checkpoints.
"""

from __future__ import annotations

import ast
import asyncio
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
from lsprotocol import types

from greenlint.core.analysis import Analysis, analyze
from greenlint.core.autofix import fix_text
from greenlint.core.finding import Applicability, Finding
from greenlint.core.source import LineIndex, split_lines
from greenlint.core.suppression import with_noqa
from greenlint.rules.registry import ALL_RULES
from lsptools import (
    TIMEOUT,
    UTF8,
    UTF16,
    Editor,
    GreenlintTestClient,
    Published,
    apply_text_edits,
    capabilities_with_encodings,
    lsp_range,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]

PROFILE = "visual_studio_code"  # resolves edits lazily, versioned documentChanges, push diagnostics
EDITS = 2000
WARMUP = 300  # edits before the RSS baseline
RSS_GROWTH = 50 * 2**20
PUBLICATIONS_SAMPLE = 100  # publications whose content is checked besides those of versions analysed anyway
SEED = int(os.environ.get("GREENLINT_STORM_SEED", "0")) or None

# -- the document -------------------------------------------------------------------------------------------------
HEAD = """\
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from .models import User

"""
BODY = """\
app = FastAPI()  # アプリ 🚀
engine = create_async_engine("postgresql://app@localhost/app")
Sessions = async_sessionmaker(engine)
sync_engine = create_engine("postgresql+psycopg://app@localhost/app")
SyncSessions = sessionmaker(bind=sync_engine)


async def get_db():
    async with Sessions() as db:
        yield db


@app.get("/users")
async def users(db: Session = Depends(get_db)):
    return []
"""
TAIL = """\


async def 保存(db: AsyncSession, user) -> None:
    \"\"\"Saves 👍🏽 the user; e\u0301 ☕ \U0001f468\u200d\U0001f469\u200d\U0001f467.\"\"\"
    ユーザー = "😀👍🏽"; db.add(user); db.commit()  # コミット 🎉
    db.flush()
    名前 = "🐍"; db.refresh(user)


async def names(db: AsyncSession):
    return db.query(User).all()


def load(db: AsyncSession, query):
    return await db.execute(query)


async def report():
    with SyncSessions() as sync_db:
        return sync_db.execute(select(1)).all()
"""
INITIAL = HEAD + BODY + TAIL.replace("\n", "\r\n")  # the second half's line ends are CRLF
PROTECTED = len(HEAD)  # the imports stay, so that the rules keep finding things
BLOCK = """\
async def 関数_{n}(db: AsyncSession, user) -> None:
    名前 = "🐍e\u0301"; db.add(user); db.commit()  # 🎉
    db.flush()
"""
PIECES = [
    *["x", "db", "_", " ", "    ", "1", "(", ")", ":", ",", ".", "#", "await ", "db.commit()", '"😀"'],
    *["😀", "👍🏽", "🐍", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "e\u0301", "a\u0308\u0323", "日本"],
    *[
        "\u0915\u094d\u0937",
        "\n",
        "\r\n",
        "\r",
        "  # 🎉 ",
        "\n# 💬 e\u0301\n",
        "\r\n    db.flush()",
        "\n    await db.refresh(user)",
    ],
]
STATEMENTS = ["db.flush()", "await db.commit()", 'x = "😀e\u0301"; db.rollback()', "db.add(user)  # 👍🏽"]
_BREAK = re.compile(r"\r\n|\r|\n")
SIZE = (1000, 1600)  # the document grows below the first, shrinks above the second

Span = tuple[int, int, str]  # code-point offsets in the text the span applies to, and the new text


def splits_crlf(text: str, offset: int) -> bool:
    """Whether an offset falls between the CR and LF of one line break (no LSP position says that)."""
    return 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n"


def apply_spans(text: str, spans: list[Span]) -> str:
    for start, end, new_text in spans:
        assert not splits_crlf(text, start) and not splits_crlf(text, end), (start, end)
        text = text[:start] + new_text + text[end:]
    return text


def compiles(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@dataclass(frozen=True)
class Step:
    """One didChange: its spans, the text after it, and whether that text compiles (None: not checked)."""

    spans: list[Span]
    text: str
    compiles: bool | None


def storm_edits(seed: int, count: int = EDITS) -> Iterator[Step]:
    """`count` edits of INITIAL, made as they are sent (while the server analyses), the same for a seed.

    Most are random candidates kept when the text still compiles, so that the rules keep finding things; typing a
    statement and breaking the text then undoing it go through texts that do not compile."""
    rng = random.Random(seed)
    text = INITIAL

    def step(spans: list[Span], check: bool = False) -> Step | None:
        """The edit, unless one of its offsets falls inside a CRLF (or, with `check`, its text does not compile)."""
        try:
            changed = apply_spans(text, spans)
        except AssertionError:
            return None
        if not check:
            return Step(spans, changed, None)
        return Step(spans, changed, True) if compiles(changed) else None

    def offset(start: int = PROTECTED) -> int:
        if rng.random() < 0.4:  # at the end of a line (where typing happens most, and which mangles no name)
            ends = [m.start() for m in _BREAK.finditer(text, start)]
            return rng.choice(ends) if ends else len(text)
        while True:
            found = rng.randint(start, len(text))
            if not splits_crlf(text, found):
                return found

    def end_from(start: int, longest: int) -> int:
        end = min(len(text), start + rng.randint(1, longest))
        return end + 1 if splits_crlf(text, end) else end

    def piece() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))

    def candidate() -> list[Span]:
        grow = len(text) < SIZE[0] or (len(text) < SIZE[1] and rng.random() < 0.55)
        kind = rng.random()
        starts = [start for start in (0, *(m.end() for m in _BREAK.finditer(text))) if start >= PROTECTED]
        if kind < 0.12:  # whole lines replaced by lines of the original, LF or CRLF
            first = rng.randrange(len(starts))
            last = min(len(starts) - 1, first + rng.randint(0, 1 if grow else 3))
            end = starts[last + 1] if last + 1 < len(starts) else len(text)
            donors = split_lines(INITIAL[PROTECTED:])
            begin = rng.randrange(len(donors))
            new_text = "".join(donors[begin : begin + rng.randint(1, 4)]).replace("\r\n", "\n")
            return [(starts[first], end, new_text.replace("\n", rng.choice(["\n", "\r\n"])))]
        if grow and kind < (0.17 if text.count("db: AsyncSession") > 2 else 0.4):  # a function with findings
            at = rng.choice(starts)
            return [(at, at, BLOCK.format(n=rng.randint(0, 99)).replace("\n", rng.choice(["\n", "\r\n"])))]
        if kind < 0.24:  # multi-line replacement from the middle of a line to the middle of another
            start = offset()
            end = end_from(start, 120)
            return [(start, end, rng.choice(["\n", "\r\n"]).join(piece() for _ in range(rng.randint(1, 3))))]
        if kind < 0.30:  # the same text typed at two cursors (the later one first)
            first, second = sorted((offset(), offset()))
            new_text = piece()
            return [(second, second, new_text), (first, first, new_text)]
        start = offset()
        if grow:
            end = end_from(start, 8) if rng.random() < 0.3 else start
            return [(start, end, piece())]
        return [(start, end_from(start, 40), "")]

    made = 0
    while made < count:
        roll = rng.random() if count - made > 100 else 1.0  # the storm ends on random edits: its text compiles
        steps: list[Step] = []
        if roll < 0.04:  # break the text, then undo
            start = offset()
            end = end_from(start, 30)
            broken = step([(start, end, "")])
            if broken is not None:
                before, text = text, broken.text
                undone = step([(start, start, before[start:end])])  # None: it would fall inside a CRLF it made
                text = before
                steps = [broken, undone] if undone is not None else []
        elif roll < 0.06:  # type a statement after a line, key by key; erase it if it does not compile
            at = rng.choice([m.start() for m in _BREAK.finditer(text) if m.start() > PROTECTED])
            line_end = _BREAK.match(text, at)
            assert line_end is not None
            keys = [line_end.group(), *"    ", *rng.choice(STATEMENTS)]  # Enter types the line's own line break
            before, typed = text, 0
            for key in keys:
                typing = step([(at + typed, at + typed, key)])
                assert typing is not None
                steps.append(typing)
                text, typed = typing.text, typed + len(key)
            if not compiles(text):
                for key in reversed(keys):  # Backspace
                    typed -= len(key)
                    erasing = step([(at + typed, at + typed + len(key), "")])
                    assert erasing is not None
                    steps.append(erasing)
                    text = erasing.text
                assert text == before
            text = before
        else:
            for _ in range(50):
                kept = step(candidate(), check=True)
                if kept is not None:
                    steps = [kept]
                    break
        for item in steps[: count - made]:
            text = item.text
            made += 1
            yield item


_MADE: dict[int, list[Step]] = {}


def edits_of(seed: int) -> Iterator[Step]:
    """storm_edits(seed), made once: a pace's storm is the same in UTF-16 and in UTF-8."""
    if seed in _MADE:
        yield from _MADE[seed]
        return
    made: list[Step] = []
    for item in storm_edits(seed):
        made.append(item)
        yield item
    _MADE[seed] = made


# -- what a fresh analysis of the client's text says ------------------------------------------------------------
Expected = list[tuple[str, types.Range, str]]


def shown(diagnostics: list[types.Diagnostic]) -> Expected:
    return sorted(((str(d.code), d.range, d.message) for d in diagnostics), key=_order)


def _order(item: tuple[str, types.Range, str]) -> tuple[int, int, int, int, str, str]:
    code, found, message = item
    return (found.start.line, found.start.character, found.end.line, found.end.character, code, message)


class Oracle:
    """In-process analyses of the client's texts (cached), in the negotiated encoding."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.results: dict[str, tuple[bool, Expected]] = {}
        self.analyses = 0
        self.crashes: list[tuple[str, str]] = []  # (text, error): texts the analysis raised on

    def analysis(self, text: str) -> Analysis | None:
        """A fresh analysis (None: it raised; the server shows such a text like one that does not parse)."""
        self.analyses += 1
        try:
            analysis = analyze(text, ALL_RULES)
        except Exception as error:  # noqa: BLE001 - a bug outside the server: reported by the storm
            self.crashes.append((text, repr(error)))
            self.results[text] = (False, [])
            return None
        assert not analysis.failures, analysis.failures
        found = [(f.code, self.range(text, f), f.message) for f in analysis.findings]
        self.results[text] = (analysis.syntax_error is None, sorted(found, key=_order))
        return analysis

    def check(self, text: str) -> tuple[bool, Expected]:
        """Whether the text parses, and the (code, range, message) of its findings."""
        if text not in self.results:
            analysis = self.analysis(text)
            if analysis is not None:
                analysis.release()
        return self.results[text]

    def range(self, text: str, finding: Finding) -> types.Range:
        return lsp_range(text, finding.start_offset, finding.end_offset, self.encoding)


def line_text(text: str, line: int) -> str | None:
    """The text of a 0-based line without its line break (None past the end)."""
    lines = LineIndex(text)
    return lines.line_text(line + 1) if line < len(lines.starts) else None


# -- the storm ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pace:
    """How fast the editor sends the storm, and how often it asks for code actions."""

    name: str
    options: dict[str, Any]
    checkpoint_every: int  # a checked code-action request, waited for
    background_every: int  # a code-action request sent without waiting (as editors do when the cursor moves)
    pause_every: tuple[int, int]  # the user stops typing until the diagnostics are published
    gap: Callable[[random.Random], float]  # seconds between edits


PACES = [
    Pace("debounce-0", {"debounce": 0}, 100, 9, (150, 300), lambda rng: 0.0 if rng.random() < 0.9 else 0.002),
    Pace("default-debounce", {}, 125, 11, (150, 300), lambda rng: 0.0 if rng.random() < 0.6 else rng.uniform(0, 0.004)),
]


@dataclass
class Report:
    seed: int
    encoding: str
    pace: str
    seconds: float = 0.0
    cpu_client: float = 0.0  # CPU seconds of the test process (edits, fresh analyses) during the storm
    cpu_server: float = 0.0  # CPU seconds of the server during the storm
    rss_start: int = 0
    rss_end: int = 0
    publications: int = 0
    checked: int = 0  # publications whose content was checked
    checkpoints: int = 0
    background: int = 0
    resolved: int = 0
    analyses: int = 0
    failing_versions: int = 0  # checked publications of a text that does not parse
    crashes: list[tuple[str, str]] = field(default_factory=list, repr=False)  # texts greenlint's analysis raised on


async def settle(editor: Editor, uri: str) -> Published:
    """Wait (as a user who stopped typing) for the publication of the current version."""
    return await editor.published(uri, editor.versions[uri])


def server_process(editor: Editor) -> psutil.Process:
    process = editor.client._server  # the server process itself (lsptools.ServerPool starts it)
    assert process is not None
    return psutil.Process(process.pid)


def rss(editor: Editor) -> int:
    return int(server_process(editor).memory_info().rss)


def cpu(editor: Editor) -> tuple[float, float]:
    """CPU seconds used so far by the test process and by the server."""
    times = server_process(editor).cpu_times()
    return time.process_time(), times.user + times.system


async def checkpoint(editor: Editor, uri: str, oracle: Oracle, rng: random.Random, fix_all: bool) -> int | None:
    """Code actions of the current version, for a fresh analysis' diagnostics (see the module's docstring);
    how many actions were resolved (None: the text does not parse, no checkpoint)."""
    text, version = editor.texts[uri], editor.versions[uri]
    analysis = oracle.analysis(text)
    if analysis is None or analysis.syntax_error is not None:
        return None
    _, expected = oracle.check(text)
    sent = [types.Diagnostic(found, message, code=code, source="greenlint") for code, found, message in expected]
    actions = await editor.code_actions(uri, sent)

    # what the server must offer: per diagnostic, the fixes of the first finding at its place, then "Disable"
    titles: list[str] = []
    for item in sent:
        finding = next(f for f in analysis.findings if f.code == item.code and oracle.range(text, f) == item.range)
        titles += [f"greenlint ({finding.code}): {fix.message}" for fix in _fixes(finding)]
        titles.append(f"Disable {finding.code} for this line")
    if any(f.fix is not None and f.fix.applicability is Applicability.SAFE for f in analysis.findings):
        titles.append("greenlint: Fix all safe fixes")
    assert [action.title for action in actions] == titles, f"version {version}"
    for action in actions:
        assert isinstance(action.data, dict) and action.data["version"] == version, action

    resolved = 0
    lines = split_lines(text)
    starts = LineIndex(text).starts
    for action in actions:
        if not action.title.startswith("Disable "):
            continue
        [item] = action.diagnostics or []
        line = item.range.start.line
        expected_text = (
            text[: starts[line]] + with_noqa(lines[line], str(item.code)) + text[starts[line] + len(lines[line]) :]
        )
        new_text = apply_text_edits(text, await editor.edit_of(uri, action), editor.encoding)
        assert new_text == expected_text, f"version {version}: {action.title} at line {line}"
        resolved += 1
    fixes = [
        action
        for action in actions
        if action.kind == types.CodeActionKind.QuickFix and " for this line" not in action.title
    ]
    if fixes:
        action = rng.choice(fixes)
        [item] = action.diagnostics or []
        finding = next(f for f in analysis.findings if f.code == item.code and oracle.range(text, f) == item.range)
        fix = next(fix for fix in _fixes(finding) if action.title.endswith(f": {fix.message}"))
        new_text = apply_text_edits(text, await editor.edit_of(uri, action), editor.encoding)
        assert new_text == analysis.fixed_text([fix]), f"version {version}: {action.title}"
        resolved += 1
    if fix_all and actions and actions[-1].title == "greenlint: Fix all safe fixes":
        new_text = apply_text_edits(text, await editor.edit_of(uri, actions[-1]), editor.encoding)
        assert new_text == fix_text(text, ALL_RULES, unsafe=False).text, f"version {version}: Fix all"
        resolved += 1
    analysis.release()
    return resolved


def _fixes(finding: Finding) -> list[Any]:
    return ([finding.fix] if finding.fix is not None else []) + list(finding.alternatives)


def background_request(editor: Editor, uri: str) -> asyncio.Future[Any]:
    """A code-action request for the diagnostics last published (what an editor has at hand), not waited for."""
    published = editor.publications(uri)
    diagnostics = list(published[-1].diagnostics) if published else []
    start = types.Range(types.Position(0, 0), types.Position(0, 0))
    params = types.CodeActionParams(
        types.TextDocumentIdentifier(uri),
        diagnostics[0].range if diagnostics else start,
        types.CodeActionContext(diagnostics=diagnostics),
    )
    return editor.client.text_document_code_action_async(params)


def check_publications(
    published: list[Published], texts: dict[int, str], oracle: Oracle, rng: random.Random
) -> tuple[int, int]:
    """The order of every publication; the content of a sample of them (those of versions the test analysed
    already, PUBLICATIONS_SAMPLE others, the last one) against a fresh analysis of the client's text at their version
    (see the module's docstring). How many were checked, and how many of those were of a text that does not parse."""
    versions = [item.version for item in published]
    assert None not in versions
    assert versions == sorted(versions), f"diagnostics of an older version after a newer one: {versions}"
    known = [item for item in published[:-1] if texts[item.version or 0] in oracle.results]
    others = [item for item in published[:-1] if texts[item.version or 0] not in oracle.results]
    sample = [*known, *rng.sample(others, min(len(others), PUBLICATIONS_SAMPLE)), published[-1]]
    failing = 0
    for item in sample:
        assert item.version is not None
        text = texts[item.version]
        parses, expected = oracle.check(text)
        origins = {d.data["version"] for d in item.diagnostics if isinstance(d.data, dict)}
        if parses:
            assert shown(item.diagnostics) == expected, f"version {item.version}"
            assert origins <= {item.version}, f"version {item.version}: {origins}"
            continue
        failing += 1
        if not item.diagnostics:
            continue  # no line of the last good analysis is unchanged (or it found nothing): nothing to check
        assert len(origins) == 1, f"version {item.version}: carried over from {origins}"
        [origin] = origins
        assert origin < item.version, f"version {item.version}: carried over from version {origin}"
        good_parses, good = oracle.check(texts[origin])
        assert good_parses, f"version {item.version}: carried over from {origin}, which does not parse"
        carried = [
            (code, found, message)
            for code, found, message in good
            if found.start.line == found.end.line
            and line_text(text, found.start.line) == line_text(texts[origin], found.start.line)
        ]
        assert shown(item.diagnostics) == carried, f"version {item.version} (carried over from version {origin})"
    return len(sample), failing


async def run_storm(editor: Editor, seed: int, pace: Pace) -> Report:
    report = Report(seed, editor.encoding, pace.name)
    rng = random.Random(seed + 1)  # pacing, and which quick fix a checkpoint resolves
    oracle = Oracle(editor.encoding)
    started, (client_cpu, server_cpu) = time.monotonic(), cpu(editor)
    uri = editor.open("storm.py", INITIAL)
    texts = {1: INITIAL}
    await settle(editor, uri)
    background: list[tuple[int, asyncio.Future[Any]]] = []
    next_pause = rng.randint(*pace.pause_every)
    due = pace.checkpoint_every  # the next checkpoint, at the first edit from here on whose text compiles
    for step, edit in enumerate(edits_of(seed), start=1):
        editor.edit(uri, edit.spans)
        assert editor.texts[uri] == edit.text
        texts[editor.versions[uri]] = editor.texts[uri]
        if step % pace.background_every == 0:
            background.append((editor.versions[uri], background_request(editor, uri)))
        if step == WARMUP:
            await settle(editor, uri)
            report.rss_start = rss(editor)
        elif step >= due and (edit.compiles if edit.compiles is not None else compiles(edit.text)):
            resolved = await checkpoint(editor, uri, oracle, rng, fix_all=report.checkpoints % 3 == 0)
            if resolved is not None:
                report.resolved += resolved
                report.checkpoints += 1
                due = step + pace.checkpoint_every
        elif step >= next_pause:
            await settle(editor, uri)
            next_pause = step + rng.randint(*pace.pause_every)
        else:
            await asyncio.sleep(pace.gap(rng))

    final_version = editor.versions[uri]
    final = await settle(editor, uri)
    report.seconds = time.monotonic() - started
    client_now, server_now = cpu(editor)
    report.cpu_client, report.cpu_server = client_now - client_cpu, server_now - server_cpu
    report.rss_end = rss(editor)
    assert final_version == EDITS + 1
    parses, expected = oracle.check(editor.texts[uri])
    assert parses, "the final text does not parse"
    assert shown(final.diagnostics) == expected, "the final publication"

    # the code-action requests sent without waiting: all answered, for a version no older than when sent
    answers = await asyncio.wait_for(asyncio.gather(*(future for _, future in background)), TIMEOUT)
    report.background = len(answers)
    for index, ((sent_at, _), answer) in enumerate(zip(background, answers, strict=True)):
        for action in answer or []:
            assert isinstance(action, types.CodeAction) and isinstance(action.data, dict), action
            assert sent_at <= action.data["version"] <= final_version, (sent_at, action)
        stale = [action for action in answer or [] if action.data["version"] < final_version]
        if stale and index % 8 == 0:  # the document moved on: resolving gives no edit
            resolved = await asyncio.wait_for(editor.client.code_action_resolve_async(stale[0]), TIMEOUT)
            assert resolved.edit is None, f"an edit for version {stale[0].data['version']} of {final_version}"

    await editor.quiet(0.2)  # nothing more may come for this version
    published = editor.publications(uri)
    assert published[-1].version == final_version
    report.publications = len(published)
    report.checked, report.failing_versions = check_publications(published, texts, oracle, rng)
    report.analyses = oracle.analyses
    report.crashes = oracle.crashes
    assert report.rss_end - report.rss_start <= RSS_GROWTH, report
    return report


# -- the tests -----------------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # compiling random code ("perhaps you missed a comma?")
@pytest.mark.parametrize("pace", PACES, ids=[pace.name for pace in PACES])
@pytest.mark.parametrize("encoding", [UTF16, UTF8])
@pytest.mark.parametrize("client", [PROFILE], indirect=True)
async def test_edit_storm(client: GreenlintTestClient, tmp_path: Path, encoding: str, pace: Pace) -> None:
    seed = SEED or (20_240_601 if pace.options else 20_240_611)
    print(f"storm seed {seed} (rerun with GREENLINT_STORM_SEED={seed})")
    capabilities = capabilities_with_encodings(client.profile, [encoding])
    editor = await Editor.start(client, tmp_path, options=pace.options, capabilities=capabilities)
    assert editor.encoding == encoding
    report = await run_storm(editor, seed, pace)
    print(report)
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    # the analysis raising on a text is a bug of the analysis, not of the server (which shows that text like one
    # that does not parse, see test_a_text_the_analysis_fails_on): reported, not failed on here
    for text, error in report.crashes[:3]:
        print(f"the analysis raised {error} on:\n{text}")
    crashed = [message for message in errors if message.startswith("greenlint: analysis failed on ")]
    assert not crashed or report.crashes, crashed
    assert errors == crashed, errors


# -- regressions ----------------------------------------------------------------------------------------------------
# Valid Python that libcst parses but will not build a tree for (no spaces around `in`): greenlint's analysis raised.
UNBUILDABLE = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(db: AsyncSession, x) -> None:
    db.commit()
    await db.flush()in(x)
"""


@pytest.mark.parametrize("client", [PROFILE], indirect=True)
async def test_a_text_libcst_cannot_represent(client: GreenlintTestClient, tmp_path: Path) -> None:
    """A storm came upon `await db.flush()in(x)`, which made the analysis raise (on the analysis thread): that
    version, and every later one until the line changed, got no publication, and code-action requests failed. Now
    it is shown like a text that does not parse (what the last good analysis found on unchanged lines) plus one
    information diagnostic saying why it was not checked; the next version is checked again."""
    editor = await Editor.start(client, tmp_path, options={"debounce": 0})
    good = UNBUILDABLE.replace("await db.flush()in(x)", "db.flush()")
    uri = editor.open("unbuildable.py", good)
    first, second = sorted((await editor.published(uri, 1)).diagnostics, key=lambda item: item.range.start.line)
    editor.change(uri, UNBUILDABLE)
    carried, note = (await editor.published(uri, 2)).diagnostics  # the unchanged line's finding, and why
    assert carried == first
    assert note.severity == types.DiagnosticSeverity.Information and note.code is None
    assert "not checked: libcst cannot represent this valid code" in note.message
    assert await editor.code_actions(uri, [first]) == []  # a diagnostic of version 1: no action, and no error
    editor.change(uri, good)
    assert shown((await editor.published(uri, 3)).diagnostics) == shown([first, second])
