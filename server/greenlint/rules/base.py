"""The rule interface: metadata that documents the rule, examples that test it, and `check`."""

from __future__ import annotations

import textwrap
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from greenlint.core.finding import Fix, Related, Report, Severity
from greenlint.semantics.facts import ModuleFacts
from greenlint.semantics.index import WorkspaceView
from greenlint.semantics.infer import Semantics
from greenlint.semantics.orm import OrmAnalysis
from greenlint.semantics.orm_state import OrmEvents

DOCS_URL = "https://github.com/greenlint/greenlint/blob/main/docs/rules/{code}.md"
SQLALCHEMY_NEEDLES = ("sqlalchemy", "sqlmodel")


@dataclass(frozen=True)
class Example:
    """A VALID (no finding) or INVALID example; INVALID lines are marked `# expect: GL00x`.

    `fixed` is the text after applying every fix (safe and unsafe) to a fixed point; None: no fix is offered.
    """

    code: str
    valid: bool
    fixed: str | None = None


@dataclass(frozen=True)
class Verified:
    """An outcome of the rule's bug, and of its fix, that a test in tests/runtime establishes by running a program
    for real (the "Verified behaviour" of the rule's docs page and the README's "What greenlint prevents").

    `outcome` and `fixed` quote in backticks the exceptions, messages and values the test asserts.
    """

    case: str  # the program, in a few words
    outcome: str  # what the bug does at runtime: one sentence
    fixed: str  # what the program does after greenlint's fix (or the change the message asks for)
    test: str  # the test that establishes both: "test_module.py::test_name"
    databases: tuple[str, ...] = ("SQLite", "PostgreSQL")
    sqlalchemy: tuple[str, ...] = ("2.0", "2.1")


def valid(code: str) -> Example:
    return Example(textwrap.dedent(code).lstrip("\n"), valid=True)


def invalid(code: str, fixed: str | None = None) -> Example:
    return Example(
        textwrap.dedent(code).lstrip("\n"),
        valid=False,
        fixed=textwrap.dedent(fixed).lstrip("\n") if fixed is not None else None,
    )


@dataclass
class RuleContext:
    """What a rule sees of one module: its facts, inference, and the workspace through its imports."""

    facts: ModuleFacts
    semantics: Semantics
    workspace: WorkspaceView
    _orm: OrmAnalysis | None = field(default=None, init=False, repr=False)

    @property
    def orm(self) -> OrmEvents:
        """The ORM instance events of the module's `async def` functions (computed on first use)."""
        if self._orm is None:
            self._orm = OrmAnalysis(self.facts, self.semantics, self.workspace, self.workspace.name)
        return self._orm.events


class BaseRule(ABC):
    """What every rule has, whatever it checks: the metadata `greenlint rule CODE` and docs/rules are generated
    from, and the examples that test it. Python modules are checked by `Rule`s; dependency manifests by
    `ManifestRule`s (rules/manifest.py). Each analysis runs the rules of its kind and ignores the others."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line, for tables
    explanation: ClassVar[str]  # markdown: what happens at runtime and why
    fix_description: ClassVar[str]  # markdown: what the fix does, and whether it is safe
    examples: ClassVar[tuple[Example, ...]]
    verified: ClassVar[tuple[Verified, ...]] = ()  # what tests/runtime shows the bug and the fix do
    needles: ClassVar[tuple[str, ...]] = SQLALCHEMY_NEEDLES  # text that must occur for the rule to apply

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)


class Rule(BaseRule):
    """One check of a Python module. Subclasses set the metadata and `check`."""

    @abstractmethod
    def check(self, context: RuleContext) -> Iterable[Report]:
        """Yield the rule's reports for one module."""

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        end: cst.CSTNode | None = None,
        fix: Fix | None = None,
        related: Iterable[Related] = (),
        alternatives: Iterable[Fix] = (),
    ) -> Report:
        return Report(self.code, message, node, end, fix, tuple(related), tuple(alternatives))
