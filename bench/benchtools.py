"""What the benchmarks in bench/ and the generators of their workloads share.

For the generators (``generate.py``, ``generate_workspace.py``): ``Block`` and ``Bug`` (a piece of generated code
and the bugs seeded in it), ``Names`` (function names and route paths unique inside one module), ``not_found``,
``draw_blocks``, ``assemble``, ``write_manifest``, and for their command lines ``generator_options`` and
``report``.

For the benchmarks (``bench_check.py``, ``bench_index.py``, ``bench_lsp.py``): ``SERVER_DIR``, ``use_working_tree``
and ``working_tree_env`` (greenlint is always imported and run from ``server/`` in this repository),
``ensure_generated``, ``read_manifest``, ``timed``, ``best_of`` and ``print_rows``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SERVER_DIR = REPO_ROOT / "server"
MANIFEST_NAME = "MANIFEST.json"

T = TypeVar("T")

# --------------------------------------------------------------------------- generated code


@dataclass
class Bug:
    offset: int  # 0-based line offset inside the block
    kind: str
    function: str


@dataclass
class Block:
    lines: list[str]
    bugs: list[Bug] = field(default_factory=list)


@dataclass
class Names:
    """Identifiers that must be unique inside one generated module (mixed into each generator's ``Ctx``)."""

    used: dict[str, int] = field(default_factory=dict, kw_only=True)

    def _count(self, key: str) -> int:
        count = self.used.get(key, 0) + 1
        self.used[key] = count
        return count

    def unique(self, base: str) -> str:
        """``base`` the first time, then ``base_2``, ``base_3`` ..."""
        count = self._count(base)
        return base if count == 1 else f"{base}_{count}"

    def path(self, method: str, *parts: str) -> str:
        """A route path below the router prefix, unique per HTTP method inside the module."""
        base = "/".join(p for p in parts if p)
        count = self._count(f"path:{method}:{base}")
        if count > 1:
            base = f"{base}/v{count}" if base else f"v{count}"
        return "/" + base if base else ""


def not_found(var: str, model: str, id_var: str) -> list[str]:
    """Route body lines: a 404 when ``var`` is None."""
    return [
        f"    if {var} is None:",
        "        raise HTTPException(",
        "            status_code=status.HTTP_404_NOT_FOUND,",
        f'            detail=f"{model} {{{id_var}}} not found",',
        "        )",
    ]


def draw_blocks(
    rng: random.Random,
    makers: Sequence[tuple[T, int]],
    make: Callable[[T], Block],
    limit: int,
    head: list[str],
    chosen: Iterable[Block],
) -> list[Block]:
    """Blocks made by ``make`` from makers drawn by weight, until the module (``head``, then the ``chosen`` blocks
    and the drawn ones, each after two blank lines) has at least ``limit`` lines."""
    choices = [maker for maker, _ in makers]
    weights = [weight for _, weight in makers]
    lines = len(head) + sum(len(block.lines) + 2 for block in chosen)
    blocks: list[Block] = []
    while lines < limit:
        block = make(rng.choices(choices, weights)[0])
        blocks.append(block)
        lines += len(block.lines) + 2
    return blocks


def assemble(head: list[str], body: Iterable[Block]) -> tuple[list[str], list[tuple[int, Bug]]]:
    """The module's lines (``head``, then every block after two blank lines) and each seeded bug's 1-based line."""
    lines = list(head)
    bugs: list[tuple[int, Bug]] = []
    for block in body:
        lines += ["", ""]
        start = len(lines) + 1  # 1-based line number of the block's first line
        bugs += [(start + bug.offset, bug) for bug in block.bugs]
        lines += block.lines
    return lines, bugs


def write_manifest(out: Path, version: int, params: dict[str, int], files: dict[str, object]) -> dict[str, object]:
    """Write ``MANIFEST.json`` at the root of a generated tree and return it."""
    manifest: dict[str, object] = {"generator_version": version, "params": params, "files": files}
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def generator_options(parser: argparse.ArgumentParser, default_out: Path, check_help: str) -> None:
    """The options a generator has after its own: --seed, --out and --check."""
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=default_out, help=f"output dir (default {default_out})")
    parser.add_argument("--check", action="store_true", help=check_help)


def report(problems: list[str], success: str) -> int:
    """Exit code of a check: 1 after printing the problems to stderr, or 0 after printing ``success``."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(success)
    return 0


# --------------------------------------------------------------------------- benchmarks


def use_working_tree() -> None:
    """Put ``server/`` first on sys.path, so that greenlint is imported from this working tree."""
    if SERVER_DIR.is_dir() and str(SERVER_DIR) not in sys.path:
        sys.path.insert(0, str(SERVER_DIR))


def working_tree_env() -> dict[str, str]:
    """The environment for a ``python -m greenlint`` subprocess: ``server/`` first on PYTHONPATH."""
    env = dict(os.environ)
    if SERVER_DIR.is_dir():
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SERVER_DIR), env.get("PYTHONPATH")) if p)
    return env


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The ``MANIFEST.json`` of a generated tree, or None when it is missing or unreadable."""
    try:
        manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def ensure_generated(
    root: Path,
    what: str,
    params: dict[str, int],
    version: int,
    regenerate: bool,
    generate: Callable[[], object],
    description: str,
) -> Path:
    """Run ``generate`` (which writes ``root``) when ``regenerate`` is set, when ``root`` has no readable manifest,
    or when the manifest's parameters or generator version differ from ``params`` and ``version``."""
    manifest = read_manifest(root)
    reason = ""
    if regenerate:
        reason = "--regenerate"
    elif manifest is None:
        reason = f"unreadable {MANIFEST_NAME}" if (root / MANIFEST_NAME).is_file() else f"{what} missing"
    elif manifest.get("params") != params or manifest.get("generator_version") != version:
        reason = f"parameters changed ({manifest.get('params')} -> {params})"
    if reason:
        print(f"generating {description} into {root} ({reason}) ...")
        seconds, _ = timed(generate)
        print(f"  done in {seconds:.2f}s")
    return root


def timed(run: Callable[[], T]) -> tuple[float, T]:
    """Wall time of one run, and its result."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def best_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """Best wall time of ``repeat`` (at least 1) runs, with gc.collect() before each, and the last run's result."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        seconds, result = timed(run)
        best = min(best, seconds)
    return best, result


def print_rows(rows: Sequence[tuple[str, str]]) -> int:
    """Print a blank line and a ``name  value`` table; returns the width of the name column."""
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")
    return width
