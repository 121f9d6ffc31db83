"""What one walk over a module records: scopes, name bindings, call sites and async constructs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import libcst as cst

from greenlint.semantics.tree import child_nodes


class Use(Enum):
    """How the value of an expression is used by its parent."""

    AWAITED = "awaited"
    STATEMENT = "statement"
    ASSIGNED = "assigned"
    CONDITION = "condition"
    RECEIVER = "receiver"  # `x.attr`, `x[i]`, `x()`: an attribute, item or call of the value is taken
    ARGUMENT = "argument"
    RETURN = "return"
    YIELD = "yield"
    CONTAINER = "container"
    OPERAND = "operand"
    ITERATED = "iterated"
    WITH_ITEM = "with-item"
    OTHER = "other"


class ScopeKind(Enum):
    MODULE = "module"
    FUNCTION = "function"
    LAMBDA = "lambda"
    CLASS = "class"
    COMPREHENSION = "comprehension"  # binds its loop variables only; what happens in it belongs to its owner


class BindingKind(Enum):
    PARAM = "param"
    ASSIGN = "assign"
    WITH = "with"
    IMPORT = "import"
    DEF = "def"
    CLASS = "class"
    UNKNOWN = "unknown"


@dataclass(frozen=True, eq=False)
class Binding:
    """One place where a name is bound in a scope (for WITH: `node` is the With statement, `value` its item)."""

    kind: BindingKind
    node: cst.CSTNode
    value: cst.BaseExpression | None = None
    annotation: cst.BaseExpression | None = None
    is_async: bool = False
    qualified: str | None = None
    scope: Scope | None = None  # the scope a `def` creates


@dataclass(eq=False)
class Scope:
    """A module, function, lambda, class body or comprehension, with what happens directly inside it.

    Calls, async constructs, yields and returns are recorded on the owner (comprehensions have none of their
    own); a CallSite's `scope` is the innermost scope, for name lookups.
    """

    kind: ScopeKind
    node: cst.CSTNode
    parent: Scope | None
    is_async: bool = False
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    calls: list[CallSite] = field(default_factory=list)
    async_constructs: list[AsyncConstruct] = field(default_factory=list)
    yields: list[cst.BaseExpression] = field(default_factory=list)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    escaping: set[str] = field(default_factory=set)
    children: list[Scope] = field(default_factory=list)
    redirects: dict[str, Scope] = field(default_factory=dict)  # `global x` / `nonlocal x`: where x is bound

    @property
    def owner(self) -> Scope:
        """The function, lambda, class or module whose code this is (a comprehension's enclosing one)."""
        scope = self
        while scope.kind is ScopeKind.COMPREHENSION and scope.parent is not None:
            scope = scope.parent
        return scope

    def bind(self, name: str, binding: Binding) -> None:
        target = self.redirects.get(name, self)
        target.bindings.setdefault(name, []).append(binding)

    def is_async_function(self) -> bool:
        return self.kind is ScopeKind.FUNCTION and self.is_async

    def escaping_names(self) -> set[str]:
        """Names whose value may be awaited or handed on here or in a nested scope."""
        names = set(self.escaping)
        for child in self.children:
            names |= child.escaping_names()
        return names


@dataclass(eq=False)
class CallSite:
    """A call, with the expression it is called on (for `x.m(...)`) and how its result is used."""

    call: cst.Call
    name: str  # the method or function name: `m` in `x.m()`, `f` in `f()`
    receiver: cst.BaseExpression | None  # `x` in `x.m()`; None for a plain `f()`
    use: Use
    parent: cst.CSTNode | None  # the node that uses the result (an Await, Attribute, Call, statement ...)
    scope: Scope
    targets: tuple[str, ...] = ()  # for Use.ASSIGNED: the plain names assigned
    chain_top: cst.BaseExpression | None = None  # outermost node of the `a.b(c).d()` chain holding the call
    chain_use: Use = Use.OTHER
    chain_parent: cst.CSTNode | None = None


@dataclass(frozen=True, eq=False)
class AsyncConstruct:
    """An `await`, `async with`, `async for` or async comprehension clause, and the context deciding if it is legal.

    `context` is the innermost function, lambda or generator expression body it runs in (None: module or class body).
    """

    node: cst.CSTNode
    start: cst.CSTNode
    end: cst.CSTNode
    context: cst.CSTNode | None
    description: str
    in_comprehension: bool = False  # inside a list/set/dict comprehension body (the compiler words it differently)


@dataclass(eq=False)
class ModuleFacts:
    """Everything the rules and the semantic layer need from one module, gathered in one walk."""

    module: cst.Module
    root: Scope
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name, from any scope
    functions: list[Scope] = field(default_factory=list)

    _calls: list[CallSite] | None = field(default=None, init=False, repr=False)
    _parents: dict[int, cst.CSTNode] | None = field(default=None, init=False, repr=False)

    def parents(self) -> dict[int, cst.CSTNode]:
        """id(node) -> parent for the nodes that can hold code (built on first use, by fixes only)."""
        if self._parents is None:
            parents: dict[int, cst.CSTNode] = {}
            stack: list[cst.CSTNode] = [self.module]
            while stack:
                node = stack.pop()
                for child in child_nodes(node):
                    parents[id(child)] = node
                    stack.append(child)
            self._parents = parents
        return self._parents

    def all_calls(self) -> list[CallSite]:
        """Every call site of the module (computed once; the facts are complete when rules run)."""
        if self._calls is None:
            self._calls = [site for scope in self.scopes() for site in scope.calls]
        return self._calls

    def release(self) -> None:
        """Break the cycles between scopes, bindings and call sites, so reference counting frees them at once.

        Without this, every discarded analysis waits for a full garbage collection, which in a long-running
        server walks every live tree and stalls the analysis it interrupts.
        """
        for scope in self.scopes():
            scope.parent = None
            scope.children = []
            scope.bindings = {}
            scope.calls = []
            scope.redirects = {}
        self.functions = []
        self._calls = None
        self._parents = None

    def scopes(self) -> list[Scope]:
        found: list[Scope] = []
        stack = [self.root]
        while stack:
            scope = stack.pop()
            found.append(scope)
            stack.extend(reversed(scope.children))
        return found
