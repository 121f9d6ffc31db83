"""GL301 executed for real: the app runs in a fresh virtualenv holding exactly what `pip install -r` of its
requirements file installs, as written and after greenlint's fix of that file.

Nothing is downloaded: the install is resolved from this venv's distributions (their metadata's requirements,
markers evaluated for this platform and the extras asked for) and linked into the new venv.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import venv
from pathlib import Path

import dependency_programs
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from greenlint.core.manifests import ManifestAnalysis, analyze_manifest, fix_manifest
from greenlint.rules.registry import ALL_RULES
from runtools import SQLALCHEMY_21, Run

GREENLET_ERROR = "ImportError: The SQLAlchemy asyncio module requires that the Python 'greenlet' library is installed."
DRIVER_ERROR = "ModuleNotFoundError: No module named 'aiosqlite'"
# `platform_machine` on Linux x86-64 and ARM64, Windows x86-64, POWER, macOS on Apple silicon, IBM Z.
MACHINES = ("x86_64", "aarch64", "AMD64", "ppc64le", "arm64", "s390x")


def resolve(manifest: str, **environment: str) -> dict[str, importlib.metadata.Distribution]:
    """The distributions `pip install -r` of `manifest` installs, by name: its requirements and, recursively, those
    their metadata selects (markers evaluated for this platform, overridden by `environment`, and the extras)."""
    found: dict[str, importlib.metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    pending = [Requirement(line) for line in manifest.splitlines() if line.strip()]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        distribution = found.setdefault(name, importlib.metadata.distribution(name))
        assert requirement.specifier.contains(distribution.version, prereleases=True), distribution.version
        selected = [Requirement(line) for line in distribution.requires or ()]
        for extra in ("", *requirement.extras):
            if (name, extra) in done:
                continue
            done.add((name, extra))
            marked = {**environment, "extra": extra}
            pending += [item for item in selected if item.marker is None or item.marker.evaluate(marked)]
    return found


def install(directory: Path, distributions: dict[str, importlib.metadata.Distribution]) -> Path:
    """A fresh virtualenv (no pip) with `distributions` (by name) installed by linking their files; its
    interpreter."""
    venv.create(directory, with_pip=False, symlinks=True)
    python = directory / "bin" / "python"
    [site] = directory.glob("lib/python*/site-packages")
    for distribution in distributions.values():
        assert distribution.files is not None, distribution.metadata["Name"]
        for top in {file.parts[0] for file in distribution.files} - {"..", "__pycache__"}:
            (site / top).symlink_to(Path(str(distribution.locate_file(top))))
    listing = "import importlib.metadata as m, json; print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"
    seen = subprocess.run([python, "-I", "-c", listing], capture_output=True, text=True, check=True).stdout
    assert {canonicalize_name(name) for name in json.loads(seen)} == set(distributions)  # these, and only these
    return python


def run_app(python: Path, project: Path) -> Run:
    """Run the project's app.py with `python`, isolated (-I: no PYTHONPATH, no user site) and writing no bytecode
    (-B: the installed files are this venv's)."""
    process = subprocess.run(
        [python, "-I", "-B", "-W", "default", "app.py"], cwd=project, capture_output=True, text=True, timeout=60
    )
    return Run(process.returncode, process.stdout, process.stderr)


def raised(run: Run) -> str:
    """The exception line that ended a failed run."""
    assert run.returncode == 1, run.stdout
    return run.stderr.strip().splitlines()[-1]


def project_with(tmp_path: Path, requirements: str) -> tuple[Path, ManifestAnalysis]:
    """The project (app.py and requirements.txt) and greenlint's analysis of its requirements file."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(dependency_programs.APP, encoding="utf-8")
    return project, write_manifest(project, requirements)


def write_manifest(project: Path, requirements: str) -> ManifestAnalysis:
    """Write requirements.txt and check it as `greenlint check` does."""
    path = project / "requirements.txt"
    path.write_text(requirements, encoding="utf-8")
    return analyze_manifest(requirements, ALL_RULES, path=path)


def messages(analysis: ManifestAnalysis) -> list[str]:
    """`CODE message` of each finding of a manifest that was read without trouble."""
    assert analysis.syntax_error is None and analysis.failures == []
    return [f"{finding.code} {finding.message}" for finding in analysis.findings]


def test_gl301_sqlalchemy_without_the_asyncio_extra(tmp_path: Path) -> None:
    plain, extra = resolve("sqlalchemy"), resolve("sqlalchemy[asyncio]")
    assert set(plain) == {"sqlalchemy", "typing-extensions"} | (set() if SQLALCHEMY_21 else {"greenlet"})
    assert set(extra) == {"sqlalchemy", "typing-extensions", "greenlet"}
    # 2.0 requires greenlet for the common machines only; 2.1 for none
    with_greenlet = {machine for machine in MACHINES if "greenlet" in resolve("sqlalchemy", platform_machine=machine)}
    assert with_greenlet == (set() if SQLALCHEMY_21 else {"x86_64", "aarch64", "AMD64", "ppc64le"})

    project, analysis = project_with(tmp_path, dependency_programs.WITHOUT_ASYNCIO_EXTRA)
    [message] = messages(analysis)
    assert message.startswith("GL301 `sqlalchemy>=2.0` can install SQLAlchemy 2.1, which comes without greenlet unless")
    assert f"raises `{GREENLET_ERROR}`" in message

    broken = run_app(install(tmp_path / "venv", resolve(dependency_programs.WITHOUT_ASYNCIO_EXTRA)), project)
    if SQLALCHEMY_21:  # the import of the asyncio extension fails: the app does not start
        assert raised(broken).startswith(GREENLET_ERROR)
        assert "from sqlalchemy.ext.asyncio import create_async_engine" in broken.stderr
        assert "ModuleNotFoundError: No module named 'greenlet'" in broken.stderr  # the cause
    else:  # 2.0 installed greenlet anyway
        assert broken.returncode == 0, broken.stderr
        assert broken.result == {"answer": 42}

    cured_text = fix_manifest(analysis).text
    assert cured_text == "sqlalchemy[asyncio]>=2.0\naiosqlite>=0.20\n"
    assert messages(write_manifest(project, cured_text)) == []
    cured = run_app(install(tmp_path / "fixed-venv", resolve(cured_text)), project)
    assert cured.returncode == 0, cured.stderr
    assert cured.result == {"answer": 42}


def test_gl301_a_driver_missing_from_the_manifest_fails_engine_creation(tmp_path: Path) -> None:
    project, analysis = project_with(tmp_path, dependency_programs.WITHOUT_DRIVER)
    [message] = messages(analysis)
    assert message == (
        "GL301 app.py creates an engine on `sqlite+aiosqlite://`, but this manifest does not list `aiosqlite`: "
        f"creating the engine raises `{DRIVER_ERROR}`. Add `aiosqlite` to requirements.txt."
    )

    installed = resolve(dependency_programs.WITHOUT_DRIVER)
    assert set(installed) == {"sqlalchemy", "typing-extensions", "greenlet"}
    broken = run_app(install(tmp_path / "venv", installed), project)
    assert raised(broken) == DRIVER_ERROR
    assert 'engine = create_async_engine("sqlite+aiosqlite:///app.db")' in broken.stderr

    cured_text = fix_manifest(analysis).text
    assert cured_text == "sqlalchemy[asyncio]>=2.0\naiosqlite\n"
    assert messages(write_manifest(project, cured_text)) == []
    cured = run_app(install(tmp_path / "fixed-venv", resolve(cured_text)), project)
    assert cured.returncode == 0, cured.stderr
    assert cured.result == {"answer": 42}
