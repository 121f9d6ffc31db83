"""Which files are manifests, which project directory each speaks for, and reading one of any format."""

from __future__ import annotations

import os
from pathlib import Path

from greenlint.core.files import is_manifest
from greenlint.core.source import SourceDecodeError, SourceText
from greenlint.manifests.model import Declared, Manifest
from greenlint.manifests.pyproject import parse_pyproject
from greenlint.manifests.requirements_txt import parse_requirements
from greenlint.manifests.setup_cfg import parse_setup_cfg

__all__ = ["is_manifest", "is_project_directory", "parse_manifest", "project_directory"]

MAX_INCLUDE_DEPTH = 8
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
# Files whose presence makes a directory a project root (the manifests greenlint reads, and setup.py).
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")


def project_directory(manifest: Path) -> Path:
    """The directory whose Python files a manifest speaks for (requirements/base.txt: the one above)."""
    directory = Path(os.path.abspath(manifest)).parent
    if directory.name == "requirements" and manifest.name.endswith(".txt"):
        return directory.parent
    return directory


def is_project_directory(directory: Path) -> bool:
    """Whether a directory holds a manifest (then the Python files below it belong to it, not to one above)."""
    if any((directory / name).is_file() for name in PROJECT_FILES) or (directory / "requirements").is_dir():
        return True
    try:
        return any(
            entry.name.startswith("requirements") and entry.name.endswith(".txt") and entry.is_file()
            for entry in os.scandir(directory)
        )
    except OSError:
        return False


def parse_manifest(path: Path, text: str) -> Manifest:
    """A manifest of any format (by its file name); raises ManifestError when it cannot be read as one."""
    reader = _IncludeReader()
    reader.seen.add(Path(os.path.abspath(path)))
    if path.name == "pyproject.toml":
        return parse_pyproject(path, text, reader.read)
    if path.name == "setup.cfg":
        return parse_setup_cfg(path, text, reader.read)
    return parse_requirements(path, text, reader.read)


class _IncludeReader:
    """Reads the requirements files a manifest includes (`-r`, `file:`), and theirs, each once."""

    def __init__(self) -> None:
        self.seen: set[Path] = set()
        self.depth = 0

    def read(self, path: Path) -> list[Declared]:
        path = Path(os.path.abspath(path))
        if path in self.seen or self.depth >= MAX_INCLUDE_DEPTH:
            return []
        self.seen.add(path)
        try:
            if path.stat().st_size > MAX_MANIFEST_BYTES:
                return []
            text = SourceText.decode(path.read_bytes()).text
        except (OSError, SourceDecodeError):
            return []
        self.depth += 1
        try:
            included = parse_requirements(path, text, self.read)
        finally:
            self.depth -= 1
        return [
            Declared(requirement.name, requirement.extras, requirement.versions, None, requirement.written)
            for _, requirement in included.requirements()
        ]
