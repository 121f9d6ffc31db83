"""Checking a dependency manifest: which Python files it speaks for, its rules' findings, its fixes.

The result of a manifest depends on the workspace's Python files (which of them import the asyncio extension,
which drivers their engine URLs name): it is recomputed from their summaries every time, never cached on its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from greenlint.core.analysis import Analysis, RuleFailure, located
from greenlint.core.autofix import MAX_PASSES, FixError, FixOutcome, choose_fixes
from greenlint.core.files import discover
from greenlint.core.finding import Finding, Fix, Severity
from greenlint.core.fixer import apply_edits
from greenlint.core.parsing import SyntaxProblem
from greenlint.core.positions import trimmed
from greenlint.core.source import LineIndex
from greenlint.manifests.load import is_manifest, is_project_directory, parse_manifest, project_directory
from greenlint.manifests.model import Manifest, ManifestError
from greenlint.rules.base import BaseRule
from greenlint.rules.manifest import ManifestContext, ManifestReport, ManifestRule, TextFix
from greenlint.semantics.index import EVERY_MODULE, WorkspaceIndex

__all__ = ["ManifestAnalysis", "ProjectFiles", "analyze_manifest", "fix_manifest", "is_manifest"]


class ProjectFiles:
    """The Python files each manifest speaks for: those below its project directory that no nearer manifest
    claims (a workspace may hold several projects). Reads the index; with `walk`, first adds the project's files
    to it when the directories already walked do not cover the project (a manifest named on the command line)."""

    def __init__(
        self, index: WorkspaceIndex, is_excluded: Callable[[Path], bool] | None = None, *, walk: bool = True
    ) -> None:
        self.index = index
        self.is_excluded = is_excluded or (lambda path: False)
        self.walk = walk
        self.walked: list[Path] = []
        self._projects: dict[Path, bool] = {}

    def covered(self, directories: Iterable[Path]) -> None:
        """Directories whose Python files are all in the index already."""
        self.walked.extend(Path(os.path.abspath(directory)) for directory in directories)

    def ensure(self, root: Path) -> None:
        if not self.walk or any(root == walked or walked in root.parents for walked in self.walked):
            return
        found = discover([str(root)], self.is_excluded, lambda message: None)
        self.index.add_all(file.path for file in found if not is_manifest(file.path))
        self.walked.append(root)

    def files(self, root: Path) -> list[Path]:
        """The indexed Python files of the project rooted at `root`."""
        self._projects.clear()  # manifests come and go: look again each time
        roots = {root, root.resolve()}  # walks index resolved paths; editors name files as they were opened
        return sorted(
            path
            for path in self.index.paths()
            if any(candidate in path.parents for candidate in roots) and self._owned(path, roots)
        )

    def _owned(self, path: Path, roots: set[Path]) -> bool:
        """Whether no directory between the file and the project root holds a manifest of its own."""
        directory = path.parent
        while directory not in roots and directory != directory.parent:
            known = self._projects.get(directory)
            if known is None:
                known = self._projects[directory] = is_project_directory(directory)
            if known:
                return False
            directory = directory.parent
        return True


@dataclass(eq=False)
class ManifestAnalysis(Analysis):
    """The analysis of a manifest's text. Its fixes are text edits (TextFix); `reanalyze` checks a new text the
    same way (for fixing to a fixed point)."""

    manifest: Manifest | None = None
    reanalyze: Callable[[str], ManifestAnalysis] | None = None

    @property
    def allows_line_comments(self) -> bool:
        """Whether `# noqa` may be added at the end of a line (not in setup.cfg)."""
        return self.manifest is None or self.manifest.comments

    def fixed_text(self, fixes: Iterable[Fix]) -> str:
        chosen = [fix for fix in fixes if isinstance(fix, TextFix)]
        edits = [list(fix.edits() or ()) for fix in chosen]
        try:
            return apply_edits(self.text, [edit for group in edits for edit in group])
        except ValueError:  # fixes that overlap: the first now, the others when fixing again
            return apply_edits(self.text, edits[0]) if edits else self.text


def analyze_manifest(
    text: str,
    rules: Sequence[BaseRule],
    severity: Mapping[str, Severity] | None = None,
    *,
    path: Path,
    index: WorkspaceIndex | None = None,
    projects: ProjectFiles | None = None,
) -> ManifestAnalysis:
    """Run the manifest rules over one manifest's text, against the Python files of its project in `index`
    (without one, the project's files are found on disk)."""
    lowered = text.lower()
    enabled = [
        rule for rule in rules if isinstance(rule, ManifestRule) and any(needle in lowered for needle in rule.needles)
    ]

    def again(new_text: str) -> ManifestAnalysis:
        return analyze_manifest(new_text, rules, severity, path=path, index=index, projects=projects)

    if not enabled:
        return ManifestAnalysis(text, reanalyze=again)
    try:
        manifest = parse_manifest(path, text)
    except ManifestError as error:
        problem = SyntaxProblem(error.message, error.position)
        return ManifestAnalysis(text, syntax_error=problem, consulted={EVERY_MODULE: ""}, reanalyze=again)
    if index is None:
        index = WorkspaceIndex()
        projects = ProjectFiles(index)
    elif projects is None:
        projects = ProjectFiles(index, walk=False)
    root = project_directory(path)
    projects.ensure(root)
    files = projects.files(root)
    summaries = {file: index.summary(file) for file in files}
    schemes: dict[str, list[Path]] = {}
    for file, summary in summaries.items():
        for scheme in summary.engine_schemes:
            schemes.setdefault(scheme, []).append(file)
    context = ManifestContext(
        manifest, root, [file for file, summary in summaries.items() if summary.uses_asyncio], schemes
    )
    reports: list[tuple[ManifestRule, ManifestReport]] = []
    failures: list[RuleFailure] = []
    for rule in enabled:
        try:
            reports.extend((rule, report) for report in rule.check(context))
        except Exception as error:  # noqa: BLE001 - one failing rule must not hide the others
            failures.append(RuleFailure.of(rule.code, error))
    findings = _locate(manifest, reports, severity or {})
    return ManifestAnalysis(
        text, findings, failures=failures, consulted={EVERY_MODULE: ""}, manifest=manifest, reanalyze=again
    )


def _locate(
    manifest: Manifest, reports: list[tuple[ManifestRule, ManifestReport]], severity: Mapping[str, Severity]
) -> list[Finding]:
    lines = LineIndex(manifest.text)
    findings = []
    for rule, report in reports:
        offsets = trimmed(manifest.text, report.start, report.end)
        finding = located(rule, report.message, offsets, lines, severity, report.fix)
        if finding is not None:
            findings.append(finding)
    findings.sort(key=lambda finding: (finding.start_offset, finding.code))
    return findings


def fix_manifest(analysis: ManifestAnalysis, *, unsafe: bool = False) -> FixOutcome:
    """Apply the manifest's fixes pass after pass until nothing applicable is left; raises FixError when the fixed
    text could no longer be read as a manifest (nothing is written then)."""
    text, fixed = analysis.text, 0
    if analysis.manifest is None:  # not parsed: no rule applies, or it is broken
        return FixOutcome(text, fixed, analysis)
    path = analysis.manifest.path
    for _ in range(MAX_PASSES):
        fixes, count = choose_fixes(analysis.findings, unsafe)
        if not fixes or analysis.reanalyze is None:
            break
        new_text = analysis.fixed_text(fixes)
        if new_text == text:
            break
        try:
            parse_manifest(path, new_text)
        except ManifestError as error:
            raise FixError(f"the fixed manifest would not be valid ({error.message}); it was left unchanged") from None
        text, fixed = new_text, fixed + count
        analysis = analysis.reanalyze(new_text)
    return FixOutcome(text, fixed, analysis)
