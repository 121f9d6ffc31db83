"""Benchmark the workspace index (module summaries, the summary cache) and the language server's memory.

The workload is the 1,000-module workspace of ``bench/generate_workspace.py`` (one FastAPI + SQLAlchemy async
application whose modules import each other).  In this process:

1. **parse**: read every file and ``libcst.parse_module`` it (best of ``--repeat``): the baseline.
2. **cold index**: a fresh ``WorkspaceIndex`` with a ``SummaryCache`` on a new temporary file, ``add_all``,
   ``summary()`` of every file, ``cache.save()``.  Target: cold/parse <= ``--cold-target`` (2.5).
3. **warm index**: a fresh ``WorkspaceIndex`` with a ``SummaryCache`` on the file the cold run saved,
   ``add_all``, ``summary()`` of every file.  Target: warm/parse <= ``--warm-target`` (0.2).

Then ``python -m greenlint server`` is started over stdio (a small JSON-RPC client below, no dependencies),
initialized on a temporary copy of the workspace with ``window.workDoneProgress`` support, and the script waits
for the end of the server's work-done progress (workspace indexing).  The server's resident memory (VmRSS) is
then read from ``/proc/<pid>/status``.  Target: <= ``--rss-target`` MB (300).

Usage::

    python bench/bench_index.py                   # parse / cold / warm, server memory, PASS/FAIL
    python bench/bench_index.py --no-server       # the in-process part only
    python bench/bench_index.py --profile 25      # also cProfile one cold run (top 25 by cumulative time)

Exit codes: 0 every target met, 1 a target missed (or the server part failed), 2 greenlint cannot be imported.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import benchtools  # noqa: E402  (sibling modules, need the sys.path entry above)
import generate_workspace  # noqa: E402

# --------------------------------------------------------------------------- workspace


def ensure_workspace(args: argparse.Namespace) -> Path:
    """Generate the workspace when missing, when asked to, or when its parameters differ."""
    return benchtools.ensure_generated(
        args.workspace,
        "workspace",
        {"models": args.models, "modules": args.modules, "seed": args.seed},
        generate_workspace.GENERATOR_VERSION,
        args.regenerate,
        lambda: generate_workspace.generate(args.workspace, args.models, args.modules, args.seed),
        f"{args.models} model + {args.modules} route/service modules",
    )


def workspace_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def manifest_roles(root: Path) -> dict[str, int]:
    manifest = benchtools.read_manifest(root) or {}
    try:
        return dict(Counter(info["role"] for info in manifest["files"].values()))
    except (AttributeError, KeyError, TypeError):
        return {}


# --------------------------------------------------------------------------- in-process timings


def time_parse(paths: Sequence[Path], repeat: int) -> float:
    def run() -> None:
        for path in paths:
            libcst.parse_module(path.read_text(encoding="utf-8"))

    seconds, _ = benchtools.best_of(repeat, run)
    return seconds


def import_index() -> tuple[Any, Any]:
    """WorkspaceIndex and SummaryCache from the working tree (server/)."""
    benchtools.use_working_tree()
    try:
        from greenlint.semantics.index import WorkspaceIndex  # type: ignore[import-not-found, unused-ignore]
        from greenlint.semantics.index_cache import SummaryCache  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        print(
            f"error: cannot import the workspace index ({type(exc).__name__}: {exc}).\n"
            f"  greenlint is looked up in {benchtools.SERVER_DIR} and on sys.path.",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    return WorkspaceIndex, SummaryCache


def index_once(paths: Sequence[Path], cache_file: Path, save: bool) -> list[Any]:
    """A fresh index on ``cache_file``: add_all, summary() of every file, and cache.save() when ``save``."""
    workspace_index, summary_cache = import_index()
    cache = summary_cache(cache_file)
    index = workspace_index(cache=cache)
    index.add_all(paths)
    summaries = [index.summary(path) for path in paths]
    if save:
        cache.save()
    return summaries


def has_relationships(summary: Any) -> bool:
    return any(getattr(fact, "relationships", ()) for fact in summary.classes.values())


def profile_cold(paths: Sequence[Path], tmp: Path, top: int) -> str:
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    index_once(paths, tmp / "profile" / "index.json", save=True)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- a tiny LSP client


class LspError(Exception):
    """The server exited, or did not answer in time."""


@dataclass
class LspClient:
    """JSON-RPC over the stdio of a child process, with Content-Length framing.

    A reader thread decodes the server's messages into a queue; ``wait`` answers the server's requests (with a
    null result) while it looks for the message it waits for.
    """

    proc: subprocess.Popen[bytes]
    messages: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue)
    stderr: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # window/logMessage, window/showMessage
    answered: list[str] = field(default_factory=list)  # methods of the server's requests we answered
    progress: dict[str, str] = field(default_factory=dict)  # token -> title of its "begin"
    _next_id: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, cmd: list[str], cwd: Path, env: dict[str, str]) -> LspClient:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        client = cls(proc)
        threading.Thread(target=client._read_stdout, daemon=True).start()
        threading.Thread(target=client._read_stderr, daemon=True).start()
        return client

    def _read_stdout(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii", "replace").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                body = stream.read(length)
                if len(body) < length:
                    return
                self.messages.put(json.loads(body))
        finally:
            self.messages.put(None)  # end of stream

    def _read_stderr(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        for line in stream:
            self.stderr.append(line.decode("utf-8", "replace").rstrip())

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        stdin = self.proc.stdin
        assert stdin is not None
        with self._lock:
            try:
                stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise LspError(f"cannot write to the server ({exc})") from None

    def request(self, method: str, params: Any) -> int:
        self._next_id += 1
        self.send({"id": self._next_id, "method": method, "params": params})
        return self._next_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def wait(self, accept: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any] | None:
        """The first message ``accept`` takes within ``timeout`` seconds, or None; raises LspError on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                message = self.messages.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if message is None:
                self.messages.put(None)
                try:
                    code: int | None = self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
                raise LspError(f"the server closed its output (exit code {code})")
            self._observe(message)
            if accept(message):
                return message

    def _observe(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is not None and "id" in message:  # a request from the server: answer it
            params = message.get("params") or {}
            result: Any = None
            if method == "workspace/configuration":  # the result must be a list, one entry per item
                result = [None] * len(params.get("items", []))
            self.send({"id": message["id"], "result": result})
            self.answered.append(str(method))
        elif method in ("window/logMessage", "window/showMessage"):
            self.log.append(str((message.get("params") or {}).get("message", "")))
        elif method == "$/progress":
            params = message.get("params") or {}
            value = params.get("value") or {}
            if value.get("kind") == "begin":
                self.progress[str(params.get("token"))] = str(value.get("title", ""))

    def response(self, request_id: int, timeout: float) -> dict[str, Any] | None:
        return self.wait(lambda m: m.get("id") == request_id and "method" not in m, timeout)

    def close(self, timeout: float = 10.0) -> str:
        """shutdown request, exit notification, wait for the process; returns how it went."""
        status = "clean"
        try:
            shutdown = self.request("shutdown", None)
            if self.response(shutdown, timeout) is None:
                status = "no answer to shutdown"
            self.notify("exit", None)
        except LspError as exc:
            status = str(exc)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return f"{status}; killed (still running {timeout:g}s after exit)"
        code = self.proc.returncode
        return status if code == 0 else f"{status}; exit code {code}"


def read_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM ... in kB from /proc/<pid>/status (empty when unavailable)."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as stream:
            for line in stream:
                name, _, value = line.partition(":")
                if name.startswith("Vm") and value.strip().endswith("kB"):
                    found[name] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return found


@dataclass
class ServerResult:
    rss_mb: float | None = None
    peak_mb: float | None = None
    title: str = ""
    seconds: float | None = None  # initialized -> progress end
    notes: list[str] = field(default_factory=list)


def measure_server(root: Path, python: str, timeout: float) -> ServerResult:
    """Start the server on a temporary copy of the workspace, wait for the end of its indexing progress, read
    its memory, and shut it down."""
    result = ServerResult()
    with tempfile.TemporaryDirectory(prefix="greenlint-bench-index-") as tmp:
        workspace = Path(tmp) / root.name
        shutil.copytree(root, workspace, ignore=shutil.ignore_patterns(benchtools.MANIFEST_NAME))
        uri = workspace.as_uri()
        try:
            client = LspClient.start([python, "-m", "greenlint", "server"], workspace, benchtools.working_tree_env())
        except OSError as exc:
            result.notes.append(f"cannot start the server: {exc}")
            return result
        try:
            init = client.request(
                "initialize",
                {
                    "processId": os.getpid(),
                    "clientInfo": {"name": "bench_index.py"},
                    "rootUri": uri,
                    "rootPath": str(workspace),
                    "workspaceFolders": [{"uri": uri, "name": workspace.name}],
                    "capabilities": {"window": {"workDoneProgress": True}},
                },
            )
            if client.response(init, timeout) is None:
                result.notes.append(f"no answer to initialize within {timeout:g}s")
                return result
            started = time.perf_counter()
            client.notify("initialized", {})

            def progress_end(message: dict[str, Any]) -> bool:
                params = message.get("params") or {}
                return message.get("method") == "$/progress" and (params.get("value") or {}).get("kind") == "end"

            end = client.wait(progress_end, timeout)
            if end is None:
                result.notes.append(f"no $/progress end within {timeout:g}s")
            else:
                result.seconds = time.perf_counter() - started
                result.title = client.progress.get(str((end.get("params") or {}).get("token")), "")
                status = read_status(client.proc.pid)
                if "VmRSS" in status:
                    result.rss_mb = status["VmRSS"] / 1024
                    result.peak_mb = status.get("VmHWM", status["VmRSS"]) / 1024
                else:
                    result.notes.append(f"cannot read /proc/{client.proc.pid}/status")
        except LspError as exc:
            result.notes.append(str(exc))
        finally:
            closed = client.close()
            if closed != "clean":
                result.notes.append(f"shutdown: {closed}")
            if client.answered:
                result.notes.append(f"answered server requests: {', '.join(sorted(set(client.answered)))}")
            for line in client.log:
                if "error" in line.lower() or "warn" in line.lower():
                    result.notes.append(f"server log: {line}")
            if client.stderr and result.rss_mb is None:
                result.notes += [f"server stderr: {line}" for line in client.stderr[-15:]]
    return result


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the workspace index against libcst.parse_module.")
    parser.add_argument("--workspace", type=Path, default=generate_workspace.DEFAULT_OUT, help="workspace dir")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the workspace first")
    parser.add_argument("--models", type=int, default=100, help="model modules to generate (default 100)")
    parser.add_argument("--modules", type=int, default=900, help="route/service modules to generate (default 900)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best is kept (default 3)")
    parser.add_argument("--cold-target", type=float, default=2.5, help="max cold/parse ratio (default 2.5)")
    parser.add_argument("--warm-target", type=float, default=0.2, help="max warm/parse ratio (default 0.2)")
    parser.add_argument("--rss-target", type=float, default=300.0, help="max server RSS in MB (default 300)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the server (default 120)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the server")
    parser.add_argument("--no-server", action="store_true", help="skip the language server's memory")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile a cold run, print top N")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")

    root = ensure_workspace(args)
    paths = workspace_files(root)
    total_lines = sum(path.read_text(encoding="utf-8").count("\n") for path in paths)
    print(f"workspace: {root} ({len(paths)} files, {total_lines} lines); best of {args.repeat} runs")
    import_index()

    parse_s = time_parse(paths, args.repeat)
    print(f"  read + libcst.parse_module:  {parse_s:.3f}s")
    with tempfile.TemporaryDirectory(prefix="greenlint-bench-index-") as tmp_name:
        tmp = Path(tmp_name)
        cache_files: list[Path] = []  # one new cache file per cold run

        def cold() -> list[Any]:
            cache_files.append(tmp / f"cold-{len(cache_files)}" / "index.json")
            return index_once(paths, cache_files[-1], save=True)

        cold_s, cold_summaries = benchtools.best_of(args.repeat, cold)
        cache_file = cache_files[-1]
        cache_kib = cache_file.stat().st_size / 1024 if cache_file.is_file() else 0.0
        print(f"  cold index (+ cache.save):   {cold_s:.3f}s  (cache file {cache_kib:.0f} KiB)")
        warm_s, warm_summaries = benchtools.best_of(args.repeat, lambda: index_once(paths, cache_file, save=False))
        print(f"  warm index (from the cache): {warm_s:.3f}s")
        profile = profile_cold(paths, tmp, args.profile) if args.profile > 0 else ""

    differing = sum(1 for a, b in zip(cold_summaries, warm_summaries, strict=True) if a.digest != b.digest)
    with_relationships = sum(1 for summary in cold_summaries if has_relationships(summary))
    n_relationships = sum(len(fact.relationships) for summary in cold_summaries for fact in summary.classes.values())

    server: ServerResult | None = None
    if not args.no_server:
        print()
        print(f"server: {args.python} -m greenlint server (cwd and workspace folder: a temporary copy)")
        server = measure_server(root, args.python, args.timeout)
        if server.rss_mb is None:
            print("  server RSS: not measured (no indexing progress reported)")
        else:
            title = f'"{server.title}"' if server.title else "(untitled)"
            print(f"  progress {title} ended {server.seconds:.2f}s after initialized")
            print(f"  server RSS: {server.rss_mb:.1f} MB (peak {server.peak_mb:.1f} MB)")
        for note in server.notes:
            print(f"  note: {note}")

    cold_ratio = cold_s / parse_s if parse_s > 0 else float("inf")
    warm_ratio = warm_s / parse_s if parse_s > 0 else float("inf")
    cold_pass = cold_ratio <= args.cold_target
    warm_pass = warm_ratio <= args.warm_target
    results = [cold_pass, warm_pass]
    roles = manifest_roles(root)
    rows = [
        ("modules (.py files)", str(len(paths))),
        ("  model modules", str(roles.get("model", "?"))),
        ("  route/service modules", str(roles.get("route", 0) + roles.get("service", 0) if roles else "?")),
        ("total lines", str(total_lines)),
        ("summaries", str(len(cold_summaries))),
        ("summaries with relationships", str(with_relationships)),
        ("relationships", str(n_relationships)),
        ("parse seconds", f"{parse_s:.3f}"),
        ("cold index seconds", f"{cold_s:.3f}"),
        ("warm index seconds", f"{warm_s:.3f}"),
        ("ratio cold/parse", f"{cold_ratio:.2f}"),
        ("ratio warm/parse", f"{warm_ratio:.3f}"),
    ]
    if server is not None:
        rows.append(("server RSS MB", "n/a" if server.rss_mb is None else f"{server.rss_mb:.1f}"))
    rows += [
        (f"target cold/parse <= {args.cold_target:g}", "PASS" if cold_pass else "FAIL"),
        (f"target warm/parse <= {args.warm_target:g}", "PASS" if warm_pass else "FAIL"),
    ]
    if server is not None:
        rss_pass = server.rss_mb is not None and server.rss_mb <= args.rss_target
        results.append(rss_pass)
        rows.append((f"target server RSS <= {args.rss_target:g} MB", "PASS" if rss_pass else "FAIL"))
    benchtools.print_rows(rows)
    if differing:
        print(f"note: {differing} summaries read from the cache differ from the computed ones")
    if profile:
        print()
        print(f"cProfile of one cold run (top {args.profile} by cumulative time):")
        print(profile.rstrip())
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
