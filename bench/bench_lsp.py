"""Benchmark the per-edit latency of ``greenlint server`` over real LSP messages.

For each document size (default 300, 1,000 and 3,000 lines of generated FastAPI +
SQLAlchemy async code with a few seeded bugs) the script starts
``python -m greenlint server`` over stdio, initializes it with ``{"debounce": 0}``
and no ``textDocument.diagnostic`` capability (so the server pushes diagnostics),
opens the document and then sends incremental ``textDocument/didChange``
notifications, one at a time.  The latency of an edit is the wall time from sending
the didChange to receiving the ``textDocument/publishDiagnostics`` that carries the
new version.  The baseline is ``libcst.parse_module`` of the same text (best of
``--repeat`` runs, in this process).

Target: p95 <= ``--target`` (default 2.5) x parse time for the ``--target-lines``
(default 1,000) line document.

Usage::

    python bench/bench_lsp.py                    # 300 / 1000 / 3000 lines, 50 edits each
    python bench/bench_lsp.py --edits 200 --sizes 1000

Exit codes: 0 PASS, 1 FAIL, 2 the server could not be started or did not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import benchtools  # noqa: E402  (sibling modules, need the sys.path entry above)
import generate  # noqa: E402

# Seeded bugs that keep the module compilable; one per ~250 lines, at least two.
BUG_KINDS = ["missing-await", "missing-await-chained", "query-on-async-session"]
LINES_PER_BUG = 250


class BenchError(Exception):
    """The server did not start, crashed, or did not publish in time."""


# --------------------------------------------------------------------------- documents


@dataclass
class Document:
    lines: int
    text: str
    bugs: list[tuple[int, str]]  # (1-based line, kind)
    edit_line: int  # 0-based line that the edits toggle a "#" on


def build_document(target_lines: int, seed: int) -> Document:
    """One module of about ``target_lines`` lines, assembled from generate.py's blocks, with a few seeded bugs."""
    rng = random.Random(f"greenlint-bench-lsp:{seed}:{target_lines}")
    x = generate.make_ctx(target_lines, seed, "billing", rng)
    head = generate.prologue(x, rng)
    n_bugs = max(2, target_lines // LINES_PER_BUG)
    bug_blocks = [generate.bug_block(x, rng, BUG_KINDS[i % len(BUG_KINDS)]) for i in range(n_bugs)]
    body = benchtools.draw_blocks(rng, generate.BLOCKS, lambda maker: maker(x, rng), target_lines - 1, head, bug_blocks)
    # Spread the bugs evenly through the module.
    n_plain = len(body)
    for i, block in enumerate(bug_blocks):
        body.insert((i + 1) * n_plain // (n_bugs + 1) + i, block)

    lines, bugs = benchtools.assemble(head, body)
    text = "\n".join(lines) + "\n"
    return Document(len(lines), text, [(line, bug.kind) for line, bug in bugs], edit_line(lines))


def edit_line(lines: list[str]) -> int:
    """The blank line between two top-level blocks nearest the middle (a '#' there is just a comment)."""
    middle = len(lines) // 2
    candidates = [
        i
        for i in range(1, len(lines) - 1)
        if lines[i] == "" and lines[i - 1] == "" and not lines[i + 1].startswith(" ")
    ]
    return min(candidates, key=lambda i: abs(i - middle))


def edit_for(line: int, insert: bool) -> types.TextDocumentContentChangePartial:
    """Insert a '#' at the start of ``line``, or remove it again."""
    start = types.Position(line=line, character=0)
    if insert:
        return types.TextDocumentContentChangePartial(range=types.Range(start=start, end=start), text="#")
    end = types.Position(line=line, character=1)
    return types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text="")


# --------------------------------------------------------------------------- in-process baselines


def time_parse(text: str, repeat: int) -> float:
    seconds, _ = benchtools.best_of(repeat, lambda: libcst.parse_module(text))
    return seconds


def time_analysis(text: str, repeat: int) -> float | None:
    """What the server's analysis thread runs for one version (analyze_document), timed here; None if unavailable."""
    benchtools.use_working_tree()
    try:
        from greenlint.core.config import Settings  # type: ignore[import-untyped, unused-ignore]
        from greenlint.lsp.documents import analyze_document  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return None
    settings = Settings()
    try:
        seconds, _ = benchtools.best_of(
            repeat,
            lambda: analyze_document("file:///bench.py", 1, text, settings, types.PositionEncodingKind.Utf16, ()),
        )
    except Exception:  # noqa: BLE001 - optional figure; the API may be changing under us
        return None
    return seconds


# --------------------------------------------------------------------------- LSP session


def cpu_seconds(pid: int) -> float | None:
    """user + system CPU time of a process (Linux /proc only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Session:
    """Results of one server session on one document."""

    open_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    diagnostics: set[int] = field(default_factory=set)  # distinct diagnostic counts seen
    server_cpu_per_edit: float | None = None
    log: list[str] = field(default_factory=list)
    stderr: str = ""


class BenchClient(LanguageClient):
    def __init__(self) -> None:
        super().__init__("greenlint-bench", "1")
        self.waiters: dict[int, asyncio.Future[Sequence[types.Diagnostic]]] = {}
        self.unexpected: list[str] = []


async def run_session(
    python: str, doc: Document, workdir: Path, edits: int, warmup: int, timeout: float, session: Session
) -> None:
    path = workdir / f"bench_{doc.lines}.py"
    path.write_text(doc.text, encoding="utf-8")
    uri = from_fs_path(str(path)) or path.as_uri()

    client = BenchClient()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator, unused-ignore]
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.uri != uri:
            return
        if params.version is None:
            client.unexpected.append(f"publishDiagnostics without a version ({len(params.diagnostics)} items)")
            return
        waiter = client.waiters.get(params.version)
        if waiter is None:
            client.unexpected.append(f"publishDiagnostics for version {params.version}, not waited for")
        elif not waiter.done():
            waiter.set_result(params.diagnostics)

    @client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator, unused-ignore]
    def on_log(params: types.LogMessageParams) -> None:
        session.log.append(f"{params.type.name}: {params.message}")

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator, unused-ignore]
    def on_register(params: types.RegistrationParams) -> None:
        return None

    await client.start_io(python, "-m", "greenlint", "server", cwd=str(workdir), env=benchtools.working_tree_env())
    process = client._server  # the subprocess; pygls has no public accessor
    assert process is not None and process.stderr is not None
    stderr_chunks: list[bytes] = []

    async def drain_stderr() -> None:  # pygls pipes stderr; nobody else reads it, so a chatty server could block
        assert process.stderr is not None
        while chunk := await process.stderr.read(65536):
            stderr_chunks.append(chunk)

    drainer = asyncio.ensure_future(drain_stderr())

    async def wait_version(version: int) -> Sequence[types.Diagnostic]:
        try:
            return await asyncio.wait_for(client.waiters[version], timeout)
        except asyncio.TimeoutError:
            raise BenchError(f"no publishDiagnostics for version {version} within {timeout:g}s") from None
        finally:
            del client.waiters[version]

    try:
        await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=from_fs_path(str(workdir)),
                    capabilities=types.ClientCapabilities(),
                    initialization_options={"debounce": 0},
                    workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(workdir)) or "", name="bench")],
                )
            ),
            timeout,
        )
        client.initialized(types.InitializedParams())

        version = 1
        client.waiters[version] = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=doc.text)
            )
        )
        session.diagnostics.add(len(await wait_version(version)))
        session.open_seconds = time.perf_counter() - started

        cpu_before: float | None = None
        for i in range(warmup + edits):
            if i == warmup:
                cpu_before = cpu_seconds(process.pid)
            version += 1
            client.waiters[version] = asyncio.get_running_loop().create_future()
            change = edit_for(doc.edit_line, insert=version % 2 == 0)
            started = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[change],
                )
            )
            diagnostics = await wait_version(version)
            elapsed = time.perf_counter() - started
            session.diagnostics.add(len(diagnostics))
            if i >= warmup:
                session.latencies.append(elapsed)
        cpu_after = cpu_seconds(process.pid)
        if cpu_before is not None and cpu_after is not None and edits:
            session.server_cpu_per_edit = (cpu_after - cpu_before) / edits

        await asyncio.wait_for(client.shutdown_async(None), timeout)
        client.exit(None)
        await asyncio.wait_for(process.wait(), timeout)
    except RuntimeError as error:  # pygls fails pending requests this way when the server exits
        raise BenchError(f"server failed: {error}") from None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await asyncio.wait_for(drainer, timeout)
        session.stderr = b"".join(stderr_chunks).decode(errors="replace")
        await client.stop()  # type: ignore[no-untyped-call, unused-ignore]
        session.log += client.unexpected


# --------------------------------------------------------------------------- report


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (statistics.quantiles, inclusive)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(pct) - 1]


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time greenlint server didChange -> publishDiagnostics.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000], help="document sizes in lines")
    parser.add_argument("--edits", type=int, default=50, help="timed edits per document (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed edits first (default 5)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the in-process baselines, best kept")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--target", type=float, default=2.5, help="max allowed p95/parse ratio (default 2.5)")
    parser.add_argument("--target-lines", type=int, default=1000, help="size the target applies to (default 1000)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each answer (default 30)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the server")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every latency and the server's logs")
    args = parser.parse_args(argv)
    if args.edits < 1 or args.warmup < 0 or args.repeat < 1:
        parser.error("--edits and --repeat must be >= 1, --warmup >= 0")
    if args.target_lines not in args.sizes:
        parser.error("--target-lines must be one of --sizes")
    logging.basicConfig(level=logging.ERROR, format="%(name)s %(levelname)s %(message)s")

    print(
        f"greenlint server: didChange -> publishDiagnostics(version), debounce 0, push diagnostics; "
        f"{args.warmup} warm-up + {args.edits} timed edits per size; baselines best of {args.repeat}"
    )
    header = (
        f"{'lines':>6} {'bugs':>4} {'diags':>5} {'open ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'parse ms':>8} {'p95/parse':>9} {'analyze ms':>10} {'srv cpu ms':>10}"
    )
    print(header)
    target_ratio: float | None = None
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="greenlint-bench-lsp-") as tmp:
        for size in args.sizes:
            doc = build_document(size, args.seed)
            parse_s = time_parse(doc.text, args.repeat)
            analysis_s = time_analysis(doc.text, args.repeat)
            session = Session()
            try:
                asyncio.run(run_session(args.python, doc, Path(tmp), args.edits, args.warmup, args.timeout, session))
            except BenchError as error:
                print(f"error ({size} lines): {error}", file=sys.stderr)
                for line in session.log:
                    print(f"  server log: {line}", file=sys.stderr)
                if session.stderr.strip():
                    print(f"  server stderr:\n{session.stderr.strip()[-4000:]}", file=sys.stderr)
                return 2
            lat = session.latencies
            p50, p95 = statistics.median(lat), percentile(lat, 95)
            ratio = p95 / parse_s if parse_s > 0 else float("inf")
            if size == args.target_lines:
                target_ratio = ratio
            diags = "/".join(str(n) for n in sorted(session.diagnostics))
            print(
                f"{doc.lines:>6} {len(doc.bugs):>4} {diags:>5} {ms(session.open_seconds):>8} {ms(p50):>8} "
                f"{ms(p95):>8} {ms(max(lat)):>8} {ms(parse_s):>8} {ratio:>9.2f} {ms(analysis_s):>10} "
                f"{ms(session.server_cpu_per_edit):>10}"
            )
            if args.verbose:
                print("       latencies ms: " + " ".join(f"{s * 1000:.1f}" for s in lat))
            if len(session.diagnostics) > 1:
                problems.append(f"{size} lines: the diagnostic count changed between edits ({diags})")
            if min(session.diagnostics) == 0:
                problems.append(f"{size} lines: no diagnostics published, expected some for the seeded bugs")
            for line in session.log if args.verbose else [m for m in session.log if not m.startswith("Log:")]:
                problems.append(f"{size} lines: {line}")
            if session.stderr.strip():
                problems.append(f"{size} lines: server stderr: {session.stderr.strip()[-2000:]}")

    for problem in problems:
        print(f"note: {problem}")
    assert target_ratio is not None
    passed = target_ratio <= args.target
    print()
    print(
        f"target: p95 <= {args.target:g} x parse for the {args.target_lines}-line document: "
        f"{target_ratio:.2f} -> {'PASS' if passed else 'FAIL'}"
    )
    print(
        "columns: diags = diagnostics published (distinct counts over all versions); open = didOpen -> first "
        "publish; analyze = greenlint.lsp.documents.analyze_document in this process (best of "
        f"{args.repeat}); srv cpu = server process CPU time per timed edit (/proc)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
