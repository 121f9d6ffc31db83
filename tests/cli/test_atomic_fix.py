"""`check --fix` killed at any moment (SIGKILL) never leaves a truncated or partly written file: every file is its
original bytes or its fully fixed bytes. Temporaries a killed run leaves are named so that `check` never takes them
for sources (`.NAME.greenlint-PID.*.tmp`), and the next `--fix` of NAME removes them.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from clitools import example, run_process

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL")

SEED = 20240607
TRIALS = 30
FILES = 32
TEMPORARY = re.compile(r"\.(?P<name>.+\.pyw?)\.greenlint-(?P<pid>\d+)\.[^.]+\.tmp")


def module_text(index: int) -> str:
    """A module of six copies of GL002's first example (two fixable findings each)."""
    code = example("GL002")
    header = "from sqlalchemy.ext.asyncio import AsyncSession\n\n\n"
    body = code.removeprefix(header)
    return header + "\n\n".join(
        body.replace("def rename", f"def rename_{index}_{copy}").replace("def names", f"def names_{index}_{copy}")
        for copy in range(6)
    )


def original_bytes(index: int) -> bytes:
    """LF, CRLF, latin-1 with a coding cookie, UTF-8 with a BOM: fixes keep each file's encoding and newlines."""
    text = module_text(index)
    kind = index % 4
    if kind == 0:
        return text.encode("utf-8")
    if kind == 1:
        return text.replace("\n", "\r\n").encode("utf-8")
    if kind == 2:
        return ("# -*- coding: latin-1 -*-\n# café crème brûlée\n" + text).encode("latin-1")
    return b"\xef\xbb\xbf" + ("# 日本語のモジュール\n" + text).encode("utf-8")


def build(root: Path) -> dict[str, bytes]:
    files = {f"pkg{index % 4}/module_{index:02d}.py": original_bytes(index) for index in range(FILES)}
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def listing(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def start_fix(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "greenlint", "check", "--fix", "."],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, bytes], dict[str, bytes], float, float]:
    """The pristine workspace, its files' original and fully fixed bytes (from an uninterrupted run), and when
    (seconds after the start) that run wrote its first and its last file."""
    pristine = tmp_path_factory.mktemp("pristine")
    originals = build(pristine)
    calibration = tmp_path_factory.mktemp("calibration")
    shutil.copytree(pristine, calibration, dirs_exist_ok=True)
    started = time.time()
    process = start_fix(calibration)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    fixed = {name: (calibration / name).read_bytes() for name in originals}
    assert all(fixed[name] != originals[name] for name in originals), "every file has something to fix"
    assert listing(calibration) == set(originals)
    writes = sorted((calibration / name).stat().st_mtime for name in originals)
    return pristine, originals, fixed, max(writes[0] - started, 0.0), writes[-1] - started


def test_fixed_bytes_keep_encoding_and_newlines(
    reference: tuple[Path, dict[str, bytes], dict[str, bytes], float, float],
) -> None:
    _, originals, fixed, _, _ = reference
    for name, data in fixed.items():
        index = int(name.split("_")[-1].removesuffix(".py"))
        assert data.count(b"await ") == originals[name].count(b"await ") + 12, name
        if index % 4 == 1:
            assert data.count(b"\r\n") == data.count(b"\n"), name
        if index % 4 == 2:
            assert "café".encode("latin-1") in data, name
        if index % 4 == 3:
            assert data.startswith(b"\xef\xbb\xbf"), name


def kill_and_inspect(
    root: Path, delay: float, originals: dict[str, bytes], fixed: dict[str, bytes], complete: bool
) -> tuple[int, list[str]]:
    """Start `--fix` in `root`, SIGKILL it after `delay` seconds; how many files it had fixed, and the problems."""
    process = start_fix(root)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    problems = []
    whole = 0
    for name, data in originals.items():
        now = (root / name).read_bytes()
        if now not in (data, fixed[name]):
            problems.append(f"killed after {delay:.3f}s: {name} is partly written ({len(now)} bytes)")
        whole += now == fixed[name]
    for extra in sorted(listing(root) - set(originals)):
        match = TEMPORARY.fullmatch(Path(extra).name)
        if match is None or not (root / Path(extra).parent / match["name"]).exists():
            problems.append(f"killed after {delay:.3f}s: a stray file {extra} that is not a greenlint temporary")
    if complete or listing(root) != set(originals):
        # the next run completes the work, and removes what the killed one left
        if run_process("check", "--fix", ".", cwd=root).code != 0:
            problems.append(f"killed after {delay:.3f}s: the next --fix did not complete")
        if {name: (root / name).read_bytes() for name in originals} != fixed or listing(root) != set(originals):
            problems.append(f"killed after {delay:.3f}s: the next --fix did not leave every file fixed, alone")
    shutil.rmtree(root)
    return whole, problems


def test_sigkill_at_random_moments_leaves_whole_files(
    reference: tuple[Path, dict[str, bytes], dict[str, bytes], float, float], tmp_path: Path
) -> None:
    pristine, originals, fixed, first_write, last_write = reference
    chooser = random.Random(SEED)
    # Most kills while files are being written (spread over the writes of the uninterrupted run, a little wider
    # either side); some at any moment of the run.
    delays = [chooser.uniform(first_write * 0.8, last_write * 1.1) for _ in range(TRIALS * 2 // 3)]
    delays += [chooser.uniform(0.0, last_write * 1.2) for _ in range(TRIALS - len(delays))]
    roots = []
    for trial in range(TRIALS):
        roots.append(tmp_path / f"trial-{trial:02d}")
        shutil.copytree(pristine, roots[-1])
    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time: the kill points stay random, the test halves
        outcomes = list(
            pool.map(
                lambda trial: kill_and_inspect(roots[trial], delays[trial], originals, fixed, trial % 10 == 9),
                range(TRIALS),
            )
        )
    problems = [problem for _, found in outcomes for problem in found]
    assert problems == []
    wholes = [whole for whole, _ in outcomes]
    assert any(0 < whole < len(originals) for whole in wholes), (
        f"no kill landed while files were being written: {wholes} (first write {first_write:.2f}s, "
        f"last {last_write:.2f}s)"
    )


KILL_ON_THIRD_REPLACE = """\
import os, signal, sys

replace, calls = os.replace, []


def replace_or_die(source, target):
    calls.append(target)
    if len(calls) == 3:  # the third file: its temporary is written and synced, then the process dies
        os.kill(os.getpid(), signal.SIGKILL)
    return replace(source, target)


os.replace = replace_or_die
sys.path.remove(os.getcwd()) if os.getcwd() in sys.path else None
from greenlint.cli.main import main

sys.exit(main(["check", "--fix", "."]))
"""


def test_a_temporary_left_by_a_killed_run_is_ignored_then_removed(
    reference: tuple[Path, dict[str, bytes], dict[str, bytes], float, float], tmp_path: Path
) -> None:
    """Killed between writing the temporary and renaming it (made deterministic by a hook on os.replace)."""
    pristine, originals, fixed, _, _ = reference
    root = tmp_path / "workspace"
    shutil.copytree(pristine, root)
    launcher = tmp_path / "launcher.py"
    launcher.write_text(KILL_ON_THIRD_REPLACE, encoding="utf-8")
    killed = subprocess.run([sys.executable, str(launcher)], cwd=root, capture_output=True, timeout=120, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    [temporary] = sorted(listing(root) - set(originals))
    match = TEMPORARY.fullmatch(Path(temporary).name)
    assert match is not None, temporary
    target = (Path(temporary).parent / match["name"]).as_posix()
    assert (root / target).read_bytes() == originals[target]  # the rename never happened: the original is intact
    assert (root / temporary).read_bytes() == fixed[target]  # the temporary was complete (written, synced)
    assert int(match["pid"]) != os.getpid()
    assert sum((root / name).read_bytes() == fixed[name] for name in originals) == 2

    # `check` never takes it for a source, and leaves it alone
    checked = run_process("check", "--no-cache", "--format", "json", ".", cwd=root)
    assert checked.code == 1
    assert ".tmp" not in checked.out + checked.err
    assert (root / temporary).exists()

    # the next `--fix` fixes the file and removes the temporary
    again = run_process("check", "--fix", ".", cwd=root)
    assert again.code == 0, again.err
    assert {name: (root / name).read_bytes() for name in originals} == fixed
    assert listing(root) == set(originals)


def test_a_temporary_of_a_running_process_is_left_alone(
    reference: tuple[Path, dict[str, bytes], dict[str, bytes], float, float], tmp_path: Path
) -> None:
    """Only temporaries whose process is gone are removed: another greenlint fixing the same file keeps its own."""
    pristine, originals, fixed, _, _ = reference
    root = tmp_path / "workspace"
    shutil.copytree(pristine, root)
    name = sorted(originals)[0]
    ours = root / Path(name).parent / f".{Path(name).name}.greenlint-{os.getpid()}.abc123.tmp"
    ours.write_bytes(b"partial")
    result = run_process("check", "--fix", ".", cwd=root)
    assert result.code == 0, result.err
    assert ours.read_bytes() == b"partial"
    assert (root / name).read_bytes() == fixed[name]
