"""End to end on real-looking code: examples/shop and the shared acceptance cases, through the CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sarif_pydantic import Sarif

from clitools import ALL_CODES, SHOP, found, run, run_process
from greenlint.core.files import is_manifest

MARKER = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
SHARED_CASES = Path(__file__).resolve().parents[3] / "shared" / "cases"


IMPLEMENTED = ("GL0", "GL1", "GL2", "GL3")  # the code families built so far


def markers(root: Path, prefix: tuple[str, ...] = IMPLEMENTED) -> list[tuple[str, int, str]]:
    """(path relative to root, line, code) of every `# expect:` marker in the .py files and the dependency
    manifests (pyproject.toml, requirements*.txt, setup.cfg) under root."""
    expected = []
    for path in sorted(p for p in root.rglob("*") if p.suffix == ".py" or is_manifest(p)):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARKER.search(line)
            if match:
                codes = (item.strip() for item in match.group(1).split(","))
                expected.extend(
                    (path.relative_to(root).as_posix(), number, code) for code in codes if code.startswith(prefix)
                )
    return sorted(expected)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not SHOP.is_dir():
        pytest.skip("examples/shop is missing")
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target, ignore=shutil.ignore_patterns(".greenlint_cache", "__pycache__", "*.db"))
    monkeypatch.chdir(tmp_path)
    return target


def test_shop_reports_exactly_its_markers(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = markers(shop)
    assert {code for _, _, code in expected} == set(ALL_CODES)  # the example shows every rule
    result = run(capsys, "check", "--no-cache", "--format", "json", "shop")
    assert result.code == 1
    assert result.err == ""
    assert sorted(found(result)) == [(f"shop/{path}", line, code) for path, line, code in expected]


def test_shop_from_inside_the_project(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shop)
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert sorted(found(result)) == markers(shop)


def test_shop_text_summary(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", "shop")
    expected = markers(shop)
    finding_lines = [line for line in result.out.splitlines() if re.match(r"shop/\S+:\d+:\d+: GL\d{3}", line)]
    assert len(finding_lines) == len(expected)
    assert f"Found {len(expected)} findings (" in result.out


def test_shop_sarif_and_github(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = markers(shop)
    sarif = Sarif.model_validate(json.loads(run(capsys, "check", "--no-cache", "--format", "sarif", "shop").out))
    results = sarif.runs[0].results
    assert results is not None
    located = []
    for result in results:
        assert result.locations is not None
        physical = result.locations[0].physical_location
        assert physical is not None and physical.artifact_location is not None and physical.region is not None
        located.append((physical.artifact_location.uri, physical.region.start_line, result.rule_id))
    assert sorted(located) == [(f"shop/{path}", line, code) for path, line, code in expected]
    github = run(capsys, "check", "--no-cache", "--format", "github", "shop").out.splitlines()
    assert len(github) == len(expected)
    assert all(re.match(r"::(error|warning|notice) file=shop/", line) for line in github)


WITHOUT_FIX = {"GL201", "GL205"}  # rules that explain and offer no automatic fix


def test_shop_unsafe_fix_clears_everything_fixable_and_compiles(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unfixable = sorted((path, code) for path, _, code in markers(shop) if code in WITHOUT_FIX)
    result = run(capsys, "check", "--fix", "--unsafe-fixes", "shop")
    assert result.err == ""
    assert re.search(rf"^Fixed \d+ findings, {len(unfixable)} remaining\.$", result.out, re.MULTILINE)
    after = run(capsys, "check", "--no-cache", "--format", "json", "shop")
    assert sorted((r["path"].removeprefix("shop/"), r["code"]) for r in after.json()) == unfixable
    sources = sorted(shop.rglob("*.py"))
    assert len(sources) == len(list(SHOP.rglob("*.py")))
    for path in sources:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    assert not [path for path in shop.rglob("*") if path.name.endswith(".tmp")]


def test_shop_safe_fix_leaves_only_unsafe_findings(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = run(capsys, "check", "--no-cache", "--format", "json", "shop").json()
    unsafe = sorted(
        (r["path"], r["code"]) for r in before if r["fix"] is not None and r["fix"]["applicability"] == "unsafe"
    )
    unfixable = sorted((r["path"], r["code"]) for r in before if r["fix"] is None)
    assert unsafe
    run(capsys, "check", "--fix", "shop")
    after = run(capsys, "check", "--no-cache", "--format", "json", "shop").json()
    assert sorted((r["path"], r["code"]) for r in after) == sorted(unsafe + unfixable)


def test_shop_in_a_subprocess(shop: Path) -> None:
    result = run_process("check", "--no-cache", "--format", "json", "shop", cwd=shop.parent)
    assert result.code == 1, result.err
    records = json.loads(result.out)
    assert sorted((r["path"], r["line"], r["code"]) for r in records) == [
        (f"shop/{path}", line, code) for path, line, code in markers(shop)
    ]


# --- the shared acceptance cases --------------------------------------------------------------------------


@pytest.fixture
def cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not SHARED_CASES.is_dir():
        pytest.skip("../shared/cases is not next to this checkout")
    target = tmp_path / "cases"
    shutil.copytree(SHARED_CASES, target, ignore=shutil.ignore_patterns(".greenlint_cache", "__pycache__"))
    monkeypatch.chdir(target)
    return target


@pytest.mark.parametrize("folder", ["seed", "beyond", "clean"])
def test_shared_cases_report_exactly_their_markers(
    cases: Path, capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    result = run(capsys, "check", "--no-cache", "--format", "json", folder)
    assert result.err == ""
    expected = [(f"{folder}/{path}", line, code) for path, line, code in markers(cases / folder)]
    assert sorted(found(result)) == expected
    assert result.code == (1 if expected else 0)


def test_shared_project_case_reports_its_markers_across_modules(
    cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Models, factory, dependencies and routes sit in separate modules, imported relatively."""
    result = run(capsys, "check", "--no-cache", "--format", "json", "project")
    expected = [(f"project/{path}", line, code) for path, line, code in markers(cases / "project")]
    assert {code for _, _, code in expected} == {"GL002", "GL101", "GL103", "GL301"}
    assert sorted(found(result)) == expected


def test_shared_project_case_has_no_false_positive(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", "--format", "json", "project")
    expected = set(markers(cases / "project"))
    assert {(path.removeprefix("project/"), line, code) for path, line, code in found(result)} <= expected


def test_shared_cases_unsafe_fix_clears_seed_and_beyond(cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--fix", "--unsafe-fixes", "--format", "json", "seed", "beyond")
    assert result.err == ""
    assert {record["code"] for record in result.json()} <= {"GL201"}  # it explains, and offers no fix
    for path in [*sorted((cases / "seed").glob("*.py")), *sorted((cases / "beyond").glob("*.py"))]:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
