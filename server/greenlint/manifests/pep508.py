"""Requirement strings (PEP 508) and version constraints (PEP 440, Poetry's): names, extras, admitted versions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

# The distribution name at the start of a requirement, and its extras: `SQLAlchemy[asyncio, postgresql]`.
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)[ \t]*(\[([^\]]*)\])?")
_RUNS = re.compile(r"[-_.]+")


def normalize(name: str) -> str:
    """A distribution name or extra as PEP 503 / PEP 685 compare them: `SQLAlchemy`, `sqlalchemy` -> sqlalchemy."""
    return _RUNS.sub("-", name).lower()


@dataclass(frozen=True)
class Versions:
    """The versions a requirement admits: any of `alternatives` (Poetry's `||`); no alternatives: every version.

    `known` is False when the constraint could not be read (then no conclusion is drawn from it).
    """

    alternatives: tuple[SpecifierSet, ...] = ()
    known: bool = True

    @property
    def unpinned(self) -> bool:
        return self.known and not any(str(alternative) for alternative in self.alternatives)

    def admits_at_least(self, floor: Version) -> bool:
        """Whether some version >= `floor` satisfies the constraint (pre-releases count)."""
        if not self.known:
            return False
        if self.unpinned:
            return True
        return any(_admits_at_least(alternative, floor) for alternative in self.alternatives)


ANY_VERSION = Versions()
UNKNOWN_VERSIONS = Versions(known=False)


def _candidates(specifier: Specifier) -> list[Version]:
    """Versions at and around the one a specifier names: where the boundary of what it admits lies."""
    text = specifier.version.removesuffix(".*")
    try:
        version = Version(text)
    except InvalidVersion:
        return []
    release = version.release
    found = [version, Version(f"{version.base_version}.1")]
    for index in range(len(release)):
        bumped = (*release[:index], release[index] + 1)
        found.append(Version(".".join(map(str, bumped))))
    return found


def _admits_at_least(specifiers: SpecifierSet, floor: Version) -> bool:
    if not str(specifiers):
        return True
    candidates = [floor, Version("9999")]
    for specifier in specifiers:
        candidates.extend(_candidates(specifier))
    return any(candidate >= floor and specifiers.contains(candidate, prereleases=True) for candidate in candidates)


def pep440_versions(text: str) -> Versions:
    """A PEP 440 specifier set (`>=2.0,<2.1`); an empty one admits every version."""
    try:
        return Versions((SpecifierSet(text),))
    except InvalidSpecifier:
        return UNKNOWN_VERSIONS


def _release(text: str) -> tuple[int, ...] | None:
    try:
        return Version(text).release
    except InvalidVersion:
        return None


def _poetry_term(term: str) -> str | None:
    """One Poetry constraint term as PEP 440 specifiers: `^2.1` -> `>=2.1,<3`; None when it is not understood."""
    if term.startswith("^") or (term.startswith("~") and not term.startswith("~=")):
        text = term[1:].strip()
        release = _release(text)
        if release is None:
            return None
        if term.startswith("^"):
            nonzero = [index for index, part in enumerate(release) if part != 0]
            index = nonzero[0] if nonzero else len(release) - 1
        else:
            index = 1 if len(release) >= 2 else 0
        upper = (*release[:index], release[index] + 1)
        return f">={text},<{'.'.join(map(str, upper))}"
    if term[0] in "<>!~":
        return term
    if term.startswith("=="):
        return term
    if term.startswith("="):
        return "=" + term
    return f"=={term}"


def poetry_versions(constraint: str) -> Versions:
    """A Poetry version constraint: `^2.1`, `~2.0`, `2.1.*`, `>=2.0,<2.1`, `>=2.0 <2.1`, `1.4 || ^2.0`, `*`."""
    alternatives: list[SpecifierSet] = []
    for alternative in re.split(r"\s*\|\|?\s*", constraint.strip()):
        terms = [term for term in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", alternative.strip()) if term]
        specifiers = []
        for term in terms:
            term = term.replace(" ", "")
            if term in ("*", ""):
                continue
            converted = _poetry_term(term)
            if converted is None:
                return UNKNOWN_VERSIONS
            specifiers.append(converted)
        try:
            alternatives.append(SpecifierSet(",".join(specifiers)))
        except InvalidSpecifier:
            return UNKNOWN_VERSIONS
    return Versions(tuple(alternatives))


@dataclass(frozen=True)
class Parsed:
    """What a PEP 508 requirement string asks for."""

    name: str  # normalized
    extras: frozenset[str]  # normalized
    versions: Versions
    written_name: str


def parse_requirement(text: str) -> Parsed | None:
    """A PEP 508 requirement (`SQLAlchemy[asyncio]>=2.1; python_version >= "3.10"`); None if it is not one."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    versions = ANY_VERSION if requirement.url else Versions((requirement.specifier,))
    extras = frozenset(normalize(extra) for extra in requirement.extras)
    return Parsed(normalize(requirement.name), extras, versions, requirement.name)


def extra_insertion(requirement: str, extra: str) -> tuple[int, str] | None:
    """Where and what to insert into a requirement string to add `extra`: `sqlalchemy>=2.1` -> (10, "[asyncio]")."""
    match = _NAME.match(requirement)
    if match is None:
        return None
    if match.group(2) is None:
        return match.end(1), f"[{extra}]"
    inner = match.group(3)
    if not inner.strip():
        return match.start(3), extra
    separator = ", " if ", " in inner else ","
    return match.start(3) + len(inner.rstrip()), separator + extra
