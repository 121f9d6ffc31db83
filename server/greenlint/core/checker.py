"""Checking files on disk: settings per file, the cache, analysis or fixing, and JSON-able records."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenlint.core.analysis import Analysis, analyze
from greenlint.core.autofix import FixError, fix_text
from greenlint.core.cache import FindingCache
from greenlint.core.collection import without_collection
from greenlint.core.config import ConfigError, Settings, find_config, load_settings, matches
from greenlint.core.files import SourceFile, discover, is_manifest, resolved
from greenlint.core.finding import Finding
from greenlint.core.manifests import ManifestAnalysis, ProjectFiles, analyze_manifest, fix_manifest
from greenlint.core.source import LineIndex, SourceDecodeError, SourceText
from greenlint.rules.base import BaseRule
from greenlint.rules.registry import known_codes, selected_rules
from greenlint.semantics.index import WorkspaceIndex

Record = dict[str, Any]
MAX_FILE_BYTES = 20 * 1024 * 1024
TOO_LARGE = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"  # why such a file is not checked


def too_large(text: str) -> bool:
    """Whether `text` takes more than MAX_FILE_BYTES in UTF-8 (an open document the CLI would skip on disk)."""
    if len(text) > MAX_FILE_BYTES:
        return True
    if len(text) * 4 <= MAX_FILE_BYTES or text.isascii():
        return False
    return len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES


@dataclass
class FileResult:
    file: SourceFile
    records: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: int = 0
    original: str | None = None  # set when fixing changed the text
    fixed_text: str | None = None


def finding_records(analysis: Analysis, findings: Sequence[Finding], with_edits: bool) -> list[Record]:
    """The JSON output records of findings (paths are filled in by the caller)."""
    lines = LineIndex(analysis.text) if with_edits else None
    records: list[Record] = []
    for finding in findings:
        fix: Record | None = None
        if finding.fix is not None:
            fix = {"message": finding.fix.message, "applicability": finding.fix.applicability.value}
            if lines is not None:
                fix["edits"] = [
                    {
                        "line": start.line,
                        "column": start.column,
                        "end_line": end.line,
                        "end_column": end.column,
                        "new_text": edit.new_text,
                    }
                    for edit in analysis.edits([finding.fix])
                    for start, end in ((lines.position(edit.start), lines.position(edit.end)),)
                ]
        records.append(
            {
                "line": finding.start.line,
                "column": finding.start.column,
                "end_line": finding.end.line,
                "end_column": finding.end.column,
                "code": finding.code,
                "name": finding.name,
                "severity": finding.severity.value,
                "message": finding.message,
                "url": finding.url,
                "fix": fix,
            }
        )
    return records


def with_path(record: Record, path: str) -> Record:
    """A record (and its fix's edits) with the file's path first, as the JSON output shows it."""
    fix = record["fix"]
    if fix is not None and "edits" in fix:
        fix = {**fix, "edits": [{"path": path, **edit} for edit in fix["edits"]]}
    return {"path": path, **record, "fix": fix}


class Checker:
    """Checks files with the settings that apply to each, optionally caching or fixing."""

    def __init__(
        self,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        *,
        use_cache: bool = True,
        with_edits: bool = False,
        cache_root: Path | None = None,
        index: WorkspaceIndex | None = None,
    ) -> None:
        self.select, self.ignore = select, ignore
        self.with_edits = with_edits
        self.cache = FindingCache(cache_root or Path.cwd()) if use_cache else None
        self.index = index
        self.projects = ProjectFiles(index, self.is_excluded) if index is not None else None
        self._settings: dict[Path, Settings] = {}
        self._configs: dict[Path, Settings | ConfigError] = {}

    def settings_for(self, path: Path) -> Settings:
        """The settings of the nearest configuration above `path`; raises ConfigError if it is broken."""
        absolute = resolved(path)
        directory = absolute.parent if not path.is_dir() else absolute
        if directory not in self._settings:
            config = find_config(directory)
            if config is None:
                settings = Settings()
            else:
                if config not in self._configs:
                    try:
                        self._configs[config] = load_settings(config, known_codes())
                    except ConfigError as error:  # read once: every file it governs gets this error
                        self._configs[config] = error
                loaded = self._configs[config]
                if isinstance(loaded, ConfigError):
                    raise loaded
                settings = loaded
            self._settings[directory] = settings.with_overrides(self.select, self.ignore)
        return self._settings[directory]

    def is_excluded(self, path: Path) -> bool:
        """Excluded by its configuration (a broken one excludes nothing: checking the file reports it)."""
        try:
            return self.settings_for(path).is_excluded(path)
        except ConfigError:
            return False

    def files(self, paths: Sequence[str], on_error: Callable[[str], None]) -> list[SourceFile]:
        """The files `paths` name, Python modules first (manifests are checked against their summaries), known
        to the index and to the manifests' projects."""
        found = list(discover(list(paths), self.is_excluded, on_error, manifests=True))
        files = [file for file in found if not is_manifest(file.path)] + [f for f in found if is_manifest(f.path)]
        if self.index is not None:
            self.index.add_all(file.path for file in files if not is_manifest(file.path))
        if self.projects is not None:
            self.projects.covered(Path(path) for path in paths if Path(path).is_dir())
        return files

    @without_collection
    def check(self, file: SourceFile) -> FileResult:
        if is_manifest(file.path):
            return self._manifest(file, None)
        result = FileResult(file)
        settings = self.settings_for(file.path)  # first: a broken configuration means the file is not checked
        source = self._read(file, result)
        if source is None:
            return result
        rules = selected_rules(settings)
        codes = ",".join(rule.code for rule in rules)
        fingerprint = f"{settings.fingerprint()}|{codes}|{file.path.resolve()}" + ("+edits" if self.with_edits else "")
        key = FindingCache.key(source.text, fingerprint) if self.cache is not None else ""
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None and (self.index is None or self.index.still_valid(cached[1])):
            result.records = cached[0]
        else:
            analysis = self._analyze(file, source.text, rules, settings)
            self._problems(analysis, file, result)
            result.records = finding_records(analysis, analysis.findings, self.with_edits)
            analysis.release()
            if self.cache is not None and not result.errors:
                self.cache.put(key, result.records, analysis.consulted)
        result.records = self._without_file_ignores(result.records, settings, file.path)
        return result

    @without_collection
    def fix(self, file: SourceFile, *, unsafe: bool, write: bool) -> FileResult:
        """Fix a file to a fixed point; write it (atomically, same encoding) when `write`."""
        if is_manifest(file.path):
            return self._manifest(file, (unsafe, write))
        result = FileResult(file)
        settings = self.settings_for(file.path)
        source = self._read(file, result)
        if source is None:
            return result
        rules = selected_rules(settings, settings.ignored_for(file.path))
        try:
            outcome = fix_text(source.text, rules, settings.severity, unsafe=unsafe, index=self.index, path=file.path)
        except FixError as error:
            result.errors.append(f"{file.display}: {error}")
            analysis = self._analyze(file, source.text, rules, settings)
        else:
            analysis = outcome.analysis
            result.fixed = outcome.fixed
            if outcome.text != source.text:
                result.original, result.fixed_text = source.text, outcome.text
                if write:
                    self._write(file, source, outcome.text, result)
                    if result.fixed_text is None:  # not written: report the file as it is
                        analysis.release()
                        analysis = self._analyze(file, source.text, rules, settings)
                    elif self.index is not None and analysis.summary is not None:
                        self.index.remember(file.path, outcome.text, analysis.summary)
        self._problems(analysis, file, result)
        result.records = finding_records(analysis, analysis.findings, self.with_edits)
        analysis.release()
        return result

    def _manifest(self, file: SourceFile, fixing: tuple[bool, bool] | None) -> FileResult:
        """Check (or, with `fixing` = (unsafe, write), fix) a dependency manifest against the Python files of its
        project. Never served from the finding cache: its result depends on those files' summaries."""
        result = FileResult(file)
        settings = self.settings_for(file.path)
        source = self._read(file, result)
        if source is None:
            return result
        rules = selected_rules(settings, settings.ignored_for(file.path))

        def analyze(text: str) -> ManifestAnalysis:
            return analyze_manifest(
                text, rules, settings.severity, path=file.path, index=self.index, projects=self.projects
            )

        analysis = analyze(source.text)
        if fixing is not None and analysis.syntax_error is None:
            unsafe, write = fixing
            try:
                outcome = fix_manifest(analysis, unsafe=unsafe)
            except FixError as error:
                result.errors.append(f"{file.display}: {error}")
            else:
                result.fixed = outcome.fixed
                assert isinstance(outcome.analysis, ManifestAnalysis)
                analysis = outcome.analysis
                if outcome.text != source.text:
                    result.original, result.fixed_text = source.text, outcome.text
                    if write:
                        self._write(file, source, outcome.text, result)
                        if result.fixed_text is None:  # not written: report the file as it is
                            analysis = analyze(source.text)
        if analysis.syntax_error is not None:
            position = analysis.syntax_error.position
            result.errors.append(
                f"{file.display}:{position.line}:{position.column}: not checked: {analysis.syntax_error.message}"
            )
        for failure in analysis.failures:
            result.errors.append(f"{file.display}: internal error in {failure.code} (other rules ran): {failure.error}")
        result.records = finding_records(analysis, analysis.findings, self.with_edits)
        return result

    def _analyze(self, file: SourceFile, text: str, rules: Sequence[BaseRule], settings: Settings) -> Analysis:
        """Analyse a file's text; its summary then spares the index a parse of the file."""
        analysis = analyze(text, rules, settings.severity, index=self.index, path=file.path)
        if self.index is not None and analysis.summary is not None:
            self.index.remember(file.path, text, analysis.summary)
        return analysis

    def _read(self, file: SourceFile, result: FileResult) -> SourceText | None:
        try:
            if file.path.stat().st_size > MAX_FILE_BYTES:
                result.errors.append(f"{file.display}: skipped: {TOO_LARGE}")
                return None
            return SourceText.decode(file.path.read_bytes())
        except OSError as error:
            result.errors.append(f"{file.display}: cannot read: {error.strerror or error}")
        except SourceDecodeError as error:
            result.errors.append(f"{file.display}: cannot decode: {error}")
        return None

    @staticmethod
    def _problems(analysis: Analysis, file: SourceFile, result: FileResult) -> None:
        problem = analysis.syntax_error
        if problem is not None:
            position = problem.position
            result.errors.append(
                f"{file.display}:{position.line}:{position.column}: not checked: "
                + (f"syntax error: {problem.headline}" if problem.syntax else problem.headline)
            )
        for failure in analysis.failures:
            result.errors.append(f"{file.display}: internal error in {failure.code} (other rules ran): {failure.error}")

    @staticmethod
    def _without_file_ignores(records: list[Record], settings: Settings, path: Path) -> list[Record]:
        ignored = settings.ignored_for(path)
        if not ignored:
            return records
        return [r for r in records if not any(matches(s, r["code"], r["name"]) for s in ignored)]

    @staticmethod
    def _write(file: SourceFile, source: SourceText, text: str, result: FileResult) -> None:
        """Write through a temporary file in the same directory, then rename: never a half-written file.

        A temporary that a killed run left behind is named `.NAME.greenlint-PID.*.tmp` (never taken for a source)
        and removed by the next run that fixes NAME. Nothing is written if the file changed since it was read."""
        target = file.path.resolve()
        try:
            data = source.encode(text)
            refusal = _refusal(source, target.read_bytes())
        except (UnicodeError, LookupError) as error:
            refusal = f"cannot encode it as {source.encoding}: {error}"
        except OSError as error:
            refusal = f"cannot read it again: {error.strerror or error}"
        if refusal is not None:
            result.errors.append(f"{file.display}: not fixed: {refusal}")
            result.original = result.fixed_text = None
            result.fixed = 0
            return
        _remove_stale_temporaries(target)
        try:
            mode = target.stat().st_mode
            prefix = f".{target.name}.{TEMPORARY_TAG}{os.getpid()}."
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(temporary, mode & 0o7777)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            result.errors.append(f"{file.display}: cannot write the fixed file: {error.strerror or error}")
            result.original = result.fixed_text = None
            result.fixed = 0


TEMPORARY_TAG = "greenlint-"


def _refusal(source: SourceText, current: bytes) -> str | None:
    """Why the file, whose bytes are now `current`, must not be replaced by a fix of `source`; None if it may."""
    if current == source.encode(source.text):
        return None
    try:
        same = SourceText.decode(current).text == source.text
    except SourceDecodeError:
        same = False
    if same:
        return f"its encoding ({source.encoding}) does not give back the same bytes"
    return "it changed on disk while it was being checked"


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporaries of `target` that runs killed while writing it left behind (their process is gone)."""
    prefix = f".{target.name}.{TEMPORARY_TAG}"
    for name in _temporaries_in(str(target.parent)):
        pid = name[len(prefix) :].split(".", 1)[0] if name.startswith(prefix) else ""
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(target.parent, name))


@functools.lru_cache(maxsize=256)
def _temporaries_in(directory: str) -> tuple[str, ...]:
    """The names of greenlint's temporaries in a directory, listed once (fixing its files one by one)."""
    try:
        with os.scandir(directory) as entries:
            return tuple(e.name for e in entries if e.name.endswith(".tmp") and f".{TEMPORARY_TAG}" in e.name)
    except OSError:
        return ()


def _alive(pid: int) -> bool:
    if os.name == "nt":  # signal 0 is CTRL_C_EVENT there: never probe, keep the temporary
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or not for this platform to tell
        return True
    return True
