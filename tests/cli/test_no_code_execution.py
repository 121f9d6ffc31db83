"""Checking (and fixing) a workspace never imports or runs its modules.

Every module of the bait workspace writes a marker file when it is imported: modules that Python imports on its
own (`sitecustomize`, `usercustomize`, a `.pth` file), modules that tools run (`conftest.py`, `setup.py`, a build
backend named by pyproject.toml, `__init__.py`, `__main__.py`), and modules named like the ones greenlint itself
imports while it works (`difflib`, `tempfile`, `json`, `libcst`, `pathspec`, `tomllib`...): `python -m greenlint`
in the workspace puts the workspace first on `sys.path`, as editors do when they start the server there.

Each module also has findings, so that rules, the workspace index and fixes all look at it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from baittools import bait, bait_workspace
from clitools import UNAWAITED, UNAWAITED_FIXED, Run, found, run_process, write


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    root, markers = tmp_path / "workspace", tmp_path / "markers"
    markers.mkdir()
    files = bait_workspace(root, markers)
    files["good.py"] = UNAWAITED
    write(root, {"good.py": UNAWAITED})
    return root, markers, files


def greenlint(*argv: str, cwd: Path, script: bool = False) -> Run:
    """`python -m greenlint` (or the installed `greenlint` script) in the workspace, with a clean environment."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONSAFEPATH", "PYTHONSTARTUP")
    }
    environment["PYTHONIOENCODING"] = "utf-8"
    executable = Path(sys.executable).with_name("greenlint")
    command = [str(executable), *argv] if script else [sys.executable, "-m", "greenlint", *argv]
    completed = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=environment, timeout=120, check=False
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def test_the_bait_works(workspace: tuple[Path, Path, dict[str, str]]) -> None:
    """Importing from the workspace the way `python -m` would does leave markers: the other tests are not vacuous."""
    root, markers, _ = workspace
    for module in ("difflib", "libcst", "app.models"):  # each fails on its own `from sqlalchemy...`: after its marker
        subprocess.run(
            [sys.executable, "-c", f"import {module}"], cwd=root, capture_output=True, timeout=60, check=False
        )
    assert {"difflib", "libcst", "app.__init__"} <= {path.name for path in markers.iterdir()}


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--no-cache", "."],
        ["check", "."],  # with the cache (written, then read again below)
        ["check", "--format", "json", "--no-cache", "."],
        ["check", "--format", "sarif", "--no-cache", "."],
        ["check", "--diff", "."],
        ["check", "--fix", "."],
        ["check", "--fix", "--unsafe-fixes", "."],
        ["check", "--no-cache", "app/models.py", "setup.py", "conftest.py"],
    ],
    ids=["check", "cached", "json", "sarif", "diff", "fix", "unsafe-fixes", "named-files"],
)
def test_check_never_imports_the_workspace(workspace: tuple[Path, Path, dict[str, str]], argv: list[str]) -> None:
    root, markers, files = workspace
    first = greenlint(*argv, cwd=root)
    again = greenlint(*argv, cwd=root)  # with whatever the first run wrote (cache, fixes)
    assert list(markers.iterdir()) == [], f"imported: {sorted(path.name for path in markers.iterdir())}"
    assert "Traceback" not in first.err + again.err, first.err + again.err
    assert first.code in (0, 1) and again.code in (0, 1), (first, again)
    if "--fix" in argv:
        # the fixes were written: each bait module's `db.commit()` is awaited now, nothing else changed
        for name, text in files.items():
            if name.endswith(".py"):
                expected = (
                    UNAWAITED_FIXED if name == "good.py" else text.replace("    db.commit()", "    await db.commit()")
                )
                assert (root / name).read_text(encoding="utf-8") == expected, name
    elif "--diff" in argv:
        assert first.out.count("+    await db.commit()") == sum(1 for name in files if name.endswith(".py")) - 1
    elif "json" in argv:
        assert len(found(first)) >= sum(1 for name in files if name.endswith(".py"))
    else:
        assert "GL002" in first.out


def test_the_installed_script_never_imports_the_workspace(workspace: tuple[Path, Path, dict[str, str]]) -> None:
    root, markers, _ = workspace
    if not Path(sys.executable).with_name("greenlint").exists():
        pytest.skip("no `greenlint` script next to this interpreter")
    result = greenlint("check", "--fix", "--unsafe-fixes", ".", cwd=root, script=True)
    assert result.code in (0, 1), result.err
    assert list(markers.iterdir()) == []


def test_other_commands_never_import_the_workspace(workspace: tuple[Path, Path, dict[str, str]]) -> None:
    root, markers, _ = workspace
    for argv in (["rules"], ["rule", "GL002"], ["--version"], ["check", "--select", "GL999"]):
        result = greenlint(*argv, cwd=root)
        assert "Traceback" not in result.err, (argv, result.err)
    assert list(markers.iterdir()) == []


def test_a_workspace_inside_a_virtual_environment_layout(tmp_path: Path) -> None:
    """A `.pth` file and `sitecustomize.py` in a site-packages-looking directory of the workspace: excluded from
    the walk, and never processed (only Python's own site directories are)."""
    root, markers = tmp_path / "workspace", tmp_path / "markers"
    markers.mkdir()
    site = root / ".venv" / "lib" / "python3" / "site-packages"
    write(site, {"sitecustomize.py": bait("venv.sitecustomize", markers), "evil.pth": "import evil_module\n"})
    write(site, {"evil_module.py": bait("venv.evil_module", markers)})
    write(root, {"good.py": UNAWAITED})
    result = greenlint("check", "--fix", ".", cwd=root)
    assert result.code == 0, result.err
    assert list(markers.iterdir()) == []
    assert (root / "good.py").read_text(encoding="utf-8") == UNAWAITED_FIXED
    shutil.rmtree(root / ".venv")


def test_in_process_check_imports_nothing_new(
    workspace: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process too: no module of the workspace shows up in sys.modules, even with the workspace on sys.path."""
    root, markers, _ = workspace
    monkeypatch.chdir(root)
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    result = run_process("check", "--fix", "--unsafe-fixes", ".", cwd=root)
    from greenlint.cli.main import main

    assert main(["check", "--no-cache", "--format", "json", "."]) in (0, 1)
    new = {
        name
        for name in set(sys.modules) - before
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(root))
    }
    assert new == set()
    assert result.code in (0, 1)
    assert list(markers.iterdir()) == []
