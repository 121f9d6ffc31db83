"""Benchmark ``greenlint.api.check_paths`` against plain ``libcst.parse_module``.

The baseline is the cost of parsing every file of the generated tree with libcst,
which any libcst-based linter has to pay.  The ratio check/parse says how much
the rest of greenlint (file discovery, pre-checks, metadata, rules, reporting)
costs on top of that; the target is ``--target`` (default 2.0).

Usage::

    python bench/bench_check.py                 # parse vs check_paths, PASS/FAIL
    python bench/bench_check.py --cli           # also time the CLI end to end
    python bench/bench_check.py --regenerate --modules 200 --lines 400

Exit codes: 0 PASS, 1 FAIL, 2 greenlint missing / CLI error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import libcst

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import benchtools  # noqa: E402  (sibling modules, need the sys.path entry above)
import generate  # noqa: E402

CACHE_DIR_NAME = ".greenlint_cache"


# --------------------------------------------------------------------------- tree


def ensure_tree(args: argparse.Namespace) -> Path:
    """Generate the tree when missing, when asked to, or when its parameters differ."""
    return benchtools.ensure_generated(
        args.tree,
        "tree",
        {"modules": args.modules, "lines": args.lines, "seed": args.seed},
        generate.GENERATOR_VERSION,
        args.regenerate,
        lambda: generate.generate(args.tree, args.modules, args.lines, args.seed),
        f"{args.modules} modules of ~{args.lines} lines",
    )


def read_tree(tree: Path) -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted(tree.rglob("*.py"))]


def seeded_bugs(tree: Path) -> int | None:
    manifest = benchtools.read_manifest(tree) or {}
    try:
        return sum(len(info["bugs"]) for info in manifest["files"].values())
    except (AttributeError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- timing


def time_parse(texts: Sequence[str], repeat: int) -> float:
    def run() -> None:
        for text in texts:
            libcst.parse_module(text)

    seconds, _ = benchtools.best_of(repeat, run)
    return seconds


def import_check_paths() -> Callable[..., list[Any]]:
    """Import greenlint.api.check_paths from the working tree (server/) lazily."""
    benchtools.use_working_tree()
    try:
        from greenlint.api import check_paths  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        print(
            "error: cannot import greenlint.api.check_paths "
            f"({type(exc).__name__}: {exc}).\n"
            f"  greenlint is looked up in {benchtools.SERVER_DIR} and on sys.path; the API may not exist yet.",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    return check_paths  # type: ignore[no-any-return, unused-ignore]


def time_check(tree: Path, repeat: int) -> tuple[float, list[Any]]:
    check_paths = import_check_paths()
    seconds, findings = benchtools.best_of(repeat, lambda: check_paths([tree], use_cache=False))
    return seconds, list(findings)


def rule_of(finding: Any) -> str | None:
    for attr in ("rule", "rule_id", "code"):
        value = getattr(finding, attr, None)
        if value is None and isinstance(finding, dict):
            value = finding.get(attr)
        if value is not None:
            return str(getattr(value, "id", value))
    return None


# --------------------------------------------------------------------------- CLI


def run_cli(python: str, args: list[str], cwd: Path) -> tuple[float, int, str, str]:
    cmd = [python, "-m", "greenlint", *args]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=benchtools.working_tree_env(), capture_output=True, text=True, check=False)
    return time.perf_counter() - started, proc.returncode, proc.stdout, proc.stderr


def count_json_findings(stdout: str) -> str:
    try:
        data = json.loads(stdout)
    except ValueError:
        return "?"
    if isinstance(data, list):
        return str(len(data))
    if isinstance(data, dict):
        for key in ("findings", "results", "diagnostics"):
            if isinstance(data.get(key), list):
                return str(len(data[key]))
    return "?"


def cache_dirs(root: Path) -> list[Path]:
    return [p for p in root.rglob(CACHE_DIR_NAME) if p.is_dir()]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_cli(tree: Path, python: str) -> int:
    """Time the CLI on a temporary copy of the tree: --no-cache, then cold and warm cache."""
    print()
    print(f"CLI: {python} -m greenlint check ... (cwd = temporary copy of the tree)")
    with tempfile.TemporaryDirectory(prefix="greenlint-bench-") as tmp:
        work = Path(tmp)
        target = work / "tree"
        shutil.copytree(tree, target)
        runs = [
            ("no cache", ["check", "--no-cache", "--format", "json", "tree"]),
            ("cache, cold", ["check", "--format", "json", "tree"]),
            ("cache, warm", ["check", "--format", "json", "tree"]),
        ]
        rows: list[tuple[str, str, str, str]] = []
        for label, args in runs:
            if label == "cache, cold":
                leftovers = cache_dirs(work)
                if leftovers:
                    print(f"  note: --no-cache run left {', '.join(map(str, leftovers))}; removing it")
                    for leftover in leftovers:
                        shutil.rmtree(leftover)
            seconds, code, stdout, stderr = run_cli(python, args, work)
            if code not in (0, 1):
                print(f"error: `greenlint {' '.join(args)}` exited {code}", file=sys.stderr)
                print(stderr.strip()[-4000:], file=sys.stderr)
                return 2
            rows.append((label, f"{seconds:.3f}", str(code), count_json_findings(stdout)))
        width = max(len(label) for label, *_ in rows)
        print(f"  {'run':<{width}}  {'wall s':>8}  {'exit':>4}  {'findings':>8}")
        for label, seconds_s, code_s, found in rows:
            print(f"  {label:<{width}}  {seconds_s:>8}  {code_s:>4}  {found:>8}")
        found_caches = cache_dirs(work)
        if found_caches:
            for cache in found_caches:
                print(f"  cache: {cache.relative_to(work)} ({dir_size(cache) / 1024:.0f} KiB)")
        else:
            print(f"  note: no {CACHE_DIR_NAME} directory under the temporary dir (cache lives elsewhere?)")
    return 0


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time greenlint check_paths against libcst.parse_module.")
    parser.add_argument("--tree", type=Path, default=generate.DEFAULT_OUT, help="generated tree directory")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the tree first")
    parser.add_argument("--modules", type=int, default=500, help="modules to generate (default 500)")
    parser.add_argument("--lines", type=int, default=300, help="lines per generated module (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs, best is kept (default 3)")
    parser.add_argument("--target", type=float, default=2.0, help="max allowed check/parse ratio (default 2.0)")
    parser.add_argument("--cli", action="store_true", help="also time `python -m greenlint check` end to end")
    parser.add_argument("--python", default=sys.executable, help="interpreter for --cli (default: this one)")
    parser.add_argument("--by-rule", action="store_true", help="print the number of findings per rule")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")

    tree = ensure_tree(args)
    files = read_tree(tree)
    texts = [text for _, text in files]
    total_lines = sum(text.count("\n") for text in texts)
    print(f"tree: {tree} ({len(files)} files, {total_lines} lines); best of {args.repeat} runs")

    parse_s = time_parse(texts, args.repeat)
    print(f"  libcst.parse_module: {parse_s:.3f}s")
    check_s, findings = time_check(tree, args.repeat)
    print(f"  check_paths:         {check_s:.3f}s")
    ratio = check_s / parse_s if parse_s > 0 else float("inf")
    passed = ratio <= args.target
    seeded = seeded_bugs(tree)

    rows = [
        ("files", str(len(files))),
        ("total lines", str(total_lines)),
        ("parse seconds", f"{parse_s:.3f}"),
        ("check seconds", f"{check_s:.3f}"),
        ("ratio check/parse", f"{ratio:.2f}"),
        ("findings", str(len(findings))),
        ("seeded bugs", "?" if seeded is None else str(seeded)),
        (f"target <= {args.target:g}", "PASS" if passed else "FAIL"),
    ]
    width = benchtools.print_rows(rows)

    if args.by_rule:
        counts = Counter(rule_of(finding) or "?" for finding in findings)
        print()
        for rule, count in sorted(counts.items()):
            print(f"  {rule:<{width}}  {count:>8}")

    if args.cli:
        code = bench_cli(tree, args.python)
        if code:
            return code
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
