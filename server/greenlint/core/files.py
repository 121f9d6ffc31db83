"""Finding the Python files to check: directories walked with .gitignore, default and configured excludes."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".greenlint_cache",
        ".eggs",
        "_build",
        "buck-out",
        "__pypackages__",
        ".direnv",
        "site-packages",
    }
)
PYTHON_SUFFIXES = (".py", ".pyw")


@dataclass(frozen=True)
class SourceFile:
    """A file to check: where it is, and how to show its path (as given on the command line)."""

    path: Path
    display: str


@dataclass(frozen=True)
class _Ignore:
    base: Path
    spec: pathspec.GitIgnoreSpec


def _gitignore(directory: Path) -> _Ignore | None:
    path = directory / ".gitignore"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):  # like git, skip the patterns that are not valid (`[z-a]`, `!`)
        spec = pathspec.GitIgnoreSpec.from_lines(line for line in lines if _valid_pattern(line))
    return _Ignore(directory, spec)


def _valid_pattern(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


def _ignored(path: Path, is_dir: bool, ignores: list[_Ignore]) -> bool:
    for ignore in ignores:
        relative = path.relative_to(ignore.base).as_posix() + ("/" if is_dir else "")
        if ignore.spec.match_file(relative):
            return True
    return False


def is_manifest(path: Path) -> bool:
    """The dependency manifests a walk yields: pyproject.toml, setup.cfg, requirements*.txt, requirements/*.txt."""
    name = path.name
    return name in ("pyproject.toml", "setup.cfg") or (
        name.endswith(".txt") and (name.startswith("requirements") or path.parent.name == "requirements")
    )


def discover(
    arguments: list[str],
    is_excluded: Callable[[Path], bool],
    on_error: Callable[[str], None],
    *,
    manifests: bool = False,
) -> Iterator[SourceFile]:
    """The Python files named by `arguments`, each once (files are taken as given; directories are walked).

    With `manifests`, walks also yield the dependency manifests they find (see `is_manifest`)."""
    seen: set[Path] = set()
    for argument in arguments:
        root = Path(argument)
        if root.is_file():
            found: Iterator[SourceFile] = iter([SourceFile(root, os.path.normpath(argument))])
        elif root.is_dir():
            found = _walk(argument, root, is_excluded, on_error, manifests)
        else:
            on_error(f"{argument}: {_why_not_found(root)}")
            continue
        for file in found:
            key = resolved(file.path)  # a symbolic link loop by now: reading it will say so
            if key not in seen:
                seen.add(key)
                yield file


def resolved(path: Path) -> Path:
    """`path.resolve()`, or the absolute path when it cannot be resolved (a symbolic link loop: OSError, or
    RuntimeError before Python 3.13)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _why_not_found(path: Path) -> str:
    """Why a path given on the command line is neither a file nor a directory."""
    if not os.path.lexists(path):
        return "no such file or directory"
    try:
        path.stat()
    except OSError as error:  # a symbolic link loop, or a link to nothing
        return f"cannot read: {error.strerror or error}"
    return "not a regular file or directory"


def _inherited_ignores(root: Path) -> list[_Ignore]:
    """The .gitignore files above `root`, up to the repository's top (none outside a repository)."""
    above: list[Path] = []
    for directory in root.parents:
        above.append(directory)
        if (directory / ".git").exists():
            ignores = [ignore for ignore in map(_gitignore, reversed(above)) if ignore is not None]
            # A directory named on the command line is checked even if it is ignored itself.
            return [] if _ignored(root, True, ignores) else ignores
    return []


def _walk(
    argument: str,
    given: Path,
    is_excluded: Callable[[Path], bool],
    on_error: Callable[[str], None],
    manifests: bool = False,
) -> Iterator[SourceFile]:
    root = given.resolve()
    stack: list[tuple[Path, list[_Ignore]]] = [(root, _inherited_ignores(root))]
    while stack:
        directory, ignores = stack.pop()
        own = _gitignore(directory)
        if own is not None:
            ignores = [*ignores, own]
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as error:
            shown = os.path.normpath(os.path.join(argument, os.path.relpath(directory, root)))
            on_error(f"{shown}: cannot read directory: {error.strerror or error}")
            continue
        subdirectories: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()
            except OSError:  # a symbolic link loop
                is_dir = is_file = False
            if not is_dir and not is_file and entry.name.endswith(PYTHON_SUFFIXES) and os.path.islink(path):
                # a link that loops or leads nowhere, named like a module: say why it is not checked
                if not (_ignored(path, False, ignores) or is_excluded(path)):
                    display = os.path.normpath(os.path.join(argument, os.path.relpath(path, root)))
                    on_error(f"{display}: {_why_not_found(path)}")
                continue
            if is_dir:
                if entry.name in DEFAULT_EXCLUDES or _ignored(path, True, ignores) or is_excluded(path):
                    continue
                subdirectories.append(path)
            elif is_file and (entry.name.endswith(PYTHON_SUFFIXES) or (manifests and is_manifest(path))):
                if _ignored(path, False, ignores) or is_excluded(path):
                    continue
                display = os.path.normpath(os.path.join(argument, os.path.relpath(path, root)))
                yield SourceFile(path, display)
        stack.extend((subdirectory, ignores) for subdirectory in reversed(subdirectories))
