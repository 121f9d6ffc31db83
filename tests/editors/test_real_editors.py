"""The GL002 quick fix in real editors: headless Neovim (0.7+) and Emacs with eglot.

Each test copies examples/shop/shop/orders.py to a temporary folder and runs a script in the editor
(nvim_quickfix.lua, eglot_quickfix.el): it starts the server, waits for the GL002 diagnostic, applies
"greenlint (GL002): Add await" (resolving it with codeAction/resolve when the edit is deferred), saves, and
waits for the diagnostics published for the edited version. The test then reads the saved file back.

Without the editor the tests are skipped, unless GREENLINT_REQUIRE_EDITORS=1 (CI) makes that a failure.
Install them with `apt-get install neovim emacs-nox elpa-eglot`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
ORDERS = REPOSITORY / "examples" / "shop" / "shop" / "orders.py"
README = REPOSITORY / "README.md"
BUGGY = "    db.commit()  # expect: GL002\n"
FIXED = "    await db.commit()  # expect: GL002\n"
TIMEOUT = 60
LSP_WARNING = 2


def missing(reason: str) -> None:
    """Skip, or fail when GREENLINT_REQUIRE_EDITORS=1."""
    if os.environ.get("GREENLINT_REQUIRE_EDITORS") == "1":
        pytest.fail(f"{reason}, and GREENLINT_REQUIRE_EDITORS=1 requires it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def nvim() -> list[str]:
    """The command that runs nvim_quickfix.lua in headless Neovim."""
    found = shutil.which("nvim")
    if found is None:
        missing("nvim is not installed (apt-get install neovim)")
    assert found is not None
    return [found, "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {HERE / 'nvim_quickfix.lua'}"]


@pytest.fixture(scope="module")
def emacs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that runs eglot_quickfix.el in Emacs (batch mode), with eglot available."""
    found = shutil.which("emacs")
    if found is None:
        missing("emacs is not installed (apt-get install emacs-nox elpa-eglot)")
    assert found is not None
    probe = subprocess.run(
        [found, "--batch", "--eval", '(progn (package-initialize) (princ (if (locate-library "eglot") "yes" "no")))'],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "HOME": str(tmp_path_factory.mktemp("emacs-home"))},
    )
    if probe.stdout.strip() != "yes":
        missing("eglot is not installed for emacs (apt-get install elpa-eglot)")
    return [found, "--batch", "-l", str(HERE / "eglot_quickfix.el")]


@pytest.fixture
def orders(tmp_path: Path) -> tuple[Path, int]:
    """A copy of the example's orders.py (never the example itself) and the 1-based line of its GL002."""
    text = ORDERS.read_text(encoding="utf-8")
    assert BUGGY in text
    [line] = [number for number, content in enumerate(text.splitlines(), start=1) if content == BUGGY.rstrip("\n")]
    folder = tmp_path / "project"
    folder.mkdir()
    copy = folder / "orders.py"
    copy.write_text(text, encoding="utf-8")
    return copy, line


def readme_snippet(language: str, containing: str) -> str:
    """The README's fenced `language` block that contains `containing` (the text users copy)."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```", README.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    [block] = [block for block in blocks if containing in block]
    return str(block)


def run_editor(
    command: list[str], orders: tuple[Path, int], tmp_path: Path, timeout_ms: int = 20000, **variables: str
) -> dict[str, Any]:
    """Run an editor script on the copy; return its JSON summary (the last line of stdout)."""
    file, line = orders
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "GREENLINT_PYTHON": sys.executable,
        "GREENLINT_FILE": str(file),
        "GREENLINT_LINE": str(line),
        "GREENLINT_TIMEOUT_MS": str(timeout_ms),
        # `greenlint` (the README's command) from this interpreter's environment.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        # Keep the editors' state (logs, shada, packages) out of the real home.
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        **variables,
    }
    try:
        done = subprocess.run(
            command, cwd=file.parent, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{command[0]} did not finish in {TIMEOUT} s; stdout: {error.stdout!r} stderr: {error.stderr!r}")
    details = f"exit status {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    lines = [text for text in done.stdout.splitlines() if text.strip()]
    assert lines, f"no JSON summary on stdout; {details}"
    summary: dict[str, Any] = json.loads(lines[-1])
    summary["details"] = details
    assert (done.returncode == 0) == (summary["ok"] is True), details
    return summary


def check_fixed(orders: tuple[Path, int], summary: dict[str, Any]) -> None:
    """The editor reported success and the fix reached the disk: `await` added on the GL002 line, nothing else."""
    assert summary["ok"] is True, summary["details"]
    file, line = orders
    text = file.read_text(encoding="utf-8")
    assert "await db.commit()" in text
    assert text.splitlines(keepends=True)[line - 1] == FIXED
    assert text == ORDERS.read_text(encoding="utf-8").replace(BUGGY, FIXED)
    assert summary["line"] == line
    assert summary["diagnostic"]["line"] == line
    assert "greenlint (GL002): Add await" in summary["actions"]
    assert summary["edited_line"] == FIXED.rstrip("\n")
    assert BUGGY in ORDERS.read_text(encoding="utf-8"), "the example itself must stay untouched"


def test_neovim_applies_the_gl002_quick_fix(nvim: list[str], orders: tuple[Path, int], tmp_path: Path) -> None:
    summary = run_editor(nvim, orders, tmp_path)
    check_fixed(orders, summary)
    # Neovim declares codeAction resolveSupport for `edit`: the server defers the edit to codeAction/resolve.
    assert summary["resolved"] is True


def test_emacs_eglot_applies_the_gl002_quick_fix(emacs: list[str], orders: tuple[Path, int], tmp_path: Path) -> None:
    summary = run_editor(emacs, orders, tmp_path)
    check_fixed(orders, summary)
    # eglot 1.9 declares no resolveSupport: the edit comes with the action.
    assert summary["resolved"] is False


def test_neovim_readme_config(nvim: list[str], orders: tuple[Path, int], tmp_path: Path) -> None:
    """The README's Neovim 0.7 snippet, as init.lua, starts `greenlint server` and the quick fix works."""
    config = tmp_path / "init.lua"
    config.write_text(readme_snippet("lua", "vim.lsp.start_client"), encoding="utf-8")
    summary = run_editor(nvim, orders, tmp_path, GREENLINT_CONFIG=str(config), GREENLINT_PYTHON="")
    check_fixed(orders, summary)
    assert summary["server_command"] == "greenlint"


def test_emacs_readme_config(emacs: list[str], orders: tuple[Path, int], tmp_path: Path) -> None:
    """The README's eglot snippet, as the init file, makes eglot-ensure start `greenlint server`."""
    config = tmp_path / "init.el"
    config.write_text(readme_snippet("elisp", "eglot-server-programs"), encoding="utf-8")
    summary = run_editor(emacs, orders, tmp_path, GREENLINT_CONFIG=str(config), GREENLINT_PYTHON="")
    check_fixed(orders, summary)
    assert summary["server_command"] == "greenlint"


def test_neovim_init_options_set_the_severity(nvim: list[str], orders: tuple[Path, int], tmp_path: Path) -> None:
    """init_options = {greenlint = {severity = {GL002 = 'warning'}}} reaches the server."""
    summary = run_editor(nvim, orders, tmp_path, GREENLINT_SEVERITY="warning")
    check_fixed(orders, summary)
    assert summary["diagnostic"]["severity"] == LSP_WARNING


def test_emacs_initialization_options_set_the_severity(
    emacs: list[str], orders: tuple[Path, int], tmp_path: Path
) -> None:
    """("greenlint" "server" :initializationOptions (:greenlint (:severity (:GL002 "warning")))) reaches the server."""
    summary = run_editor(emacs, orders, tmp_path, GREENLINT_SEVERITY="warning")
    check_fixed(orders, summary)
    assert summary["diagnostic"]["severity"] == LSP_WARNING


def test_emacs_workspace_configuration_sets_the_severity(
    emacs: list[str], orders: tuple[Path, int], tmp_path: Path
) -> None:
    """eglot-workspace-configuration (:greenlint (:severity (:GL002 "warning"))) applies to the opened file."""
    summary = run_editor(
        emacs, orders, tmp_path, timeout_ms=5000, GREENLINT_SEVERITY="warning", GREENLINT_SETTINGS_VIA="workspace"
    )
    check_fixed(orders, summary)
    assert summary["diagnostic"]["severity"] == LSP_WARNING
