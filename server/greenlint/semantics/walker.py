"""The one walk over a module that gathers ModuleFacts.

It reads node fields directly instead of using libcst's visitor machinery (which rebuilds every node and costs
about as much as parsing), skips whitespace and punctuation fields, and records only what the semantic layer
and the rules ask about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import libcst as cst
from libcst.helpers import get_full_name_for_node

from greenlint.semantics.facts import (
    AsyncConstruct,
    Binding,
    BindingKind,
    CallSite,
    ModuleFacts,
    Scope,
    ScopeKind,
    Use,
)
from greenlint.semantics.tree import child_nodes

# (node, scope, async context, use, parent, assigned names)
_Item = tuple[cst.CSTNode, Scope, "cst.CSTNode | None", Use, "cst.CSTNode | None", tuple[str, ...]]

_ESCAPING = frozenset({Use.AWAITED, Use.ARGUMENT, Use.RETURN, Use.YIELD, Use.CONTAINER, Use.ASSIGNED, Use.OTHER})
_CHAIN_TYPES = (cst.Call, cst.Attribute, cst.Subscript)


def _target_names(target: cst.CSTNode) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def gather_facts(module: cst.Module) -> ModuleFacts:
    """Walk `module` once and return its facts."""
    return _Walker(module).run()


class _Walker:
    def __init__(self, module: cst.Module) -> None:
        root = Scope(ScopeKind.MODULE, module, None)
        self.facts = ModuleFacts(module=module, root=root)
        self.stack: list[_Item] = [(module, root, None, Use.OTHER, None, ())]

    def run(self) -> ModuleFacts:
        stack, handlers = self.stack, _HANDLERS
        while stack:
            item = stack.pop()
            handler = handlers.get(type(item[0]))
            if handler is None:
                self._generic(item)
            else:
                handler(self, item)
        return self.facts

    # -- pushing helpers -------------------------------------------------------------------------------------
    def _push(
        self,
        node: cst.CSTNode | None,
        item: _Item,
        use: Use = Use.OTHER,
        parent: cst.CSTNode | None = None,
        targets: tuple[str, ...] = (),
        scope: Scope | None = None,
        context: cst.CSTNode | bool | None = False,
    ) -> None:
        if node is None:
            return
        self.stack.append(
            (node, scope or item[1], item[2] if context is False else context, use, parent, targets)  # type: ignore[arg-type]
        )

    def _push_all(self, nodes: Iterable[cst.CSTNode | None], item: _Item, use: Use = Use.OTHER) -> None:
        for node in reversed(list(nodes)):
            self._push(node, item, use, item[0])

    def _generic(self, item: _Item) -> None:
        self._push_all(child_nodes(item[0]), item)

    def _bind_unknown(self, scope: Scope, target: cst.CSTNode) -> None:
        for name in _target_names(target):
            scope.bind(name, Binding(BindingKind.UNKNOWN, target))

    # -- statements ------------------------------------------------------------------------------------------
    def _expr(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.Expr)
        self._push(node.value, item, Use.STATEMENT, node)

    def _assign(self, item: _Item) -> None:
        node, scope = item[0], item[1]
        assert isinstance(node, cst.Assign)
        names: list[str] = []
        plain = True
        for target in node.targets:
            expression = target.target
            if isinstance(expression, cst.Name):
                names.append(expression.value)
                scope.bind(expression.value, Binding(BindingKind.ASSIGN, node, value=node.value))
            else:
                plain = False
                self._bind_unknown(scope, expression)
                if not isinstance(expression, (cst.Tuple, cst.List)):
                    self._push(expression, item)
        self._push(node.value, item, Use.ASSIGNED, node, tuple(names) if plain else ())

    def _ann_assign(self, item: _Item) -> None:
        node, scope = item[0], item[1]
        assert isinstance(node, cst.AnnAssign)
        annotation = node.annotation.annotation
        if isinstance(node.target, cst.Name):
            binding = Binding(BindingKind.ASSIGN, node, value=node.value, annotation=annotation)
            scope.bind(node.target.value, binding)
            targets: tuple[str, ...] = (node.target.value,)
        else:
            self._push(node.target, item)
            targets = ()
        evaluated = item[1].owner.kind is not ScopeKind.FUNCTION  # local annotations are never evaluated
        self._push(annotation, item, context=item[2] if evaluated else None)
        self._push(node.value, item, Use.ASSIGNED, node, targets)

    def _aug_assign(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.AugAssign)
        self._bind_unknown(item[1], node.target)
        self._push(node.value, item, Use.OPERAND, node)

    def _named_expr(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.NamedExpr)
        if isinstance(node.target, cst.Name):
            item[1].bind(node.target.value, Binding(BindingKind.ASSIGN, node, value=node.value))
        self._push(node.value, item, item[3], item[4])

    def _type_alias(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.TypeAlias)
        item[1].bind(node.name.value, Binding(BindingKind.ASSIGN, node, value=node.value))

    def _return(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.Return)
        if node.value is not None:
            item[1].owner.returns.append(node.value)
            self._push(node.value, item, Use.RETURN, node)

    def _yield(self, item: _Item) -> None:
        node, scope = item[0], item[1].owner
        assert isinstance(node, cst.Yield)
        value = node.value
        if isinstance(value, cst.From):
            self._push(value.item, item, Use.YIELD, node)
        elif value is not None:
            scope.yields.append(value)
            self._push(value, item, Use.YIELD, node)
        else:
            scope.yields.append(cst.Name("None"))

    def _global(self, item: _Item) -> None:
        """`global x` / `nonlocal x`: later bindings of x in this scope land in the module or enclosing function."""
        node, scope = item[0], item[1]
        assert isinstance(node, (cst.Global, cst.Nonlocal))
        target: Scope | None = self.facts.root
        if isinstance(node, cst.Nonlocal):
            target = scope.parent
            while target is not None and target.kind is not ScopeKind.FUNCTION:
                target = target.parent
        for name_item in node.names:
            if target is not None:
                scope.redirects[name_item.name.value] = target

    def _except_handler(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.ExceptHandler)
        if node.name is not None:
            self._bind_unknown(item[1], node.name.name)
        self._push_all([node.type, node.body], item)

    def _assert(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.Assert)
        self._push(node.msg, item)
        self._push(node.test, item, Use.CONDITION, node)

    def _import(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.Import)
        for alias in node.names:
            dotted = get_full_name_for_node(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind_import(item[1], alias.asname.name.value, dotted, node)
            else:
                first = dotted.split(".")[0]
                self._bind_import(item[1], first, first, node)

    def _import_from(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.ImportFrom)
        if isinstance(node.names, cst.ImportStar):
            return
        module = "." * len(node.relative) + (get_full_name_for_node(node.module) or "" if node.module else "")
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            separator = "" if module.endswith(".") or not module else "."
            self._bind_import(item[1], local, f"{module}{separator}{name}", node)

    def _bind_import(self, scope: Scope, local: str, qualified: str, node: cst.CSTNode) -> None:
        scope.bind(local, Binding(BindingKind.IMPORT, node, qualified=qualified))
        self.facts.imports.setdefault(local, qualified)

    def _function_def(self, item: _Item) -> None:
        node, outer = item[0], item[1]
        assert isinstance(node, cst.FunctionDef)
        scope = Scope(ScopeKind.FUNCTION, node, outer, is_async=node.asynchronous is not None)
        outer.children.append(scope)
        outer.bind(node.name.value, Binding(BindingKind.DEF, node, scope=scope))
        self.facts.functions.append(scope)
        self._push(node.body, item, scope=scope, context=node)
        self._parameters(node.params, scope, item)
        if node.returns is not None:
            self._push(node.returns.annotation, item)
        self._push_all([decorator.decorator for decorator in node.decorators], item)

    def _lambda(self, item: _Item) -> None:
        node, outer = item[0], item[1]
        assert isinstance(node, cst.Lambda)
        scope = Scope(ScopeKind.LAMBDA, node, outer)
        outer.children.append(scope)
        self._push(node.body, item, Use.RETURN, node, scope=scope, context=node)
        self._parameters(node.params, scope, item)

    def _parameters(self, params: cst.Parameters, scope: Scope, item: _Item) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            annotation = param.annotation.annotation if param.annotation is not None else None
            scope.bind(
                param.name.value,
                Binding(BindingKind.PARAM, param, value=param.default, annotation=annotation),
            )
            self._push(param.default, item, Use.ARGUMENT, param)
            self._push(annotation, item)

    def _class_def(self, item: _Item) -> None:
        node, outer = item[0], item[1]
        assert isinstance(node, cst.ClassDef)
        scope = Scope(ScopeKind.CLASS, node, outer)
        outer.children.append(scope)
        outer.bind(node.name.value, Binding(BindingKind.CLASS, node, scope=scope))
        self._push(node.body, item, scope=scope, context=node)
        self._push_all([arg.value for arg in (*node.bases, *node.keywords)], item)
        self._push_all([decorator.decorator for decorator in node.decorators], item)

    def _with(self, item: _Item) -> None:
        node, scope = item[0], item[1]
        assert isinstance(node, cst.With)
        is_async = node.asynchronous is not None
        if is_async:
            self._construct(item, node, node.asynchronous, node.items[-1], "async with")  # type: ignore[arg-type]
        self._push(node.body, item)
        for with_item in reversed(node.items):
            target = with_item.asname.name if with_item.asname is not None else None
            if isinstance(target, cst.Name):
                scope.bind(
                    target.value,
                    Binding(BindingKind.WITH, node, value=with_item.item, is_async=is_async),
                )
            elif target is not None:
                self._bind_unknown(scope, target)
                self._push(target, item)
            self._push(with_item.item, item, Use.WITH_ITEM, node)

    def _for(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.For)
        if node.asynchronous is not None:
            self._construct(item, node, node.asynchronous, node.iter, "async for")
        self._bind_unknown(item[1], node.target)
        self._push_all([node.body, node.orelse], item)
        self._push(node.iter, item, Use.ITERATED, node)

    def _construct(
        self, item: _Item, node: cst.CSTNode, start: cst.CSTNode, end: cst.CSTNode, description: str
    ) -> None:
        scope = item[1]
        inside = scope.kind is ScopeKind.COMPREHENSION and not isinstance(item[2], cst.GeneratorExp)
        scope.owner.async_constructs.append(AsyncConstruct(node, start, end, item[2], description, inside))

    # -- expressions -----------------------------------------------------------------------------------------
    def _await(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.Await)
        self._construct(item, node, node, node, "await")
        self._push(node.expression, item, Use.AWAITED, node)

    def _name(self, item: _Item) -> None:
        if item[3] in _ESCAPING:
            node = item[0]
            assert isinstance(node, cst.Name)
            item[1].owner.escaping.add(node.value)

    def _if_or_while(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, (cst.If, cst.While))
        self._push_all([node.body, node.orelse], item)
        self._push(node.test, item, Use.CONDITION, node)

    def _if_exp(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.IfExp)
        self._push(node.orelse, item, item[3], item[4], item[5])
        self._push(node.body, item, item[3], item[4], item[5])
        self._push(node.test, item, Use.CONDITION, node)

    def _boolean_operation(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.BooleanOperation)
        self._push_all([node.left, node.right], item, Use.CONDITION)

    def _unary_operation(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.UnaryOperation)
        use = Use.CONDITION if isinstance(node.operator, cst.Not) else Use.OPERAND
        self._push(node.expression, item, use, node)

    def _binary_operation(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.BinaryOperation)
        self._push_all([node.left, node.right], item, Use.OPERAND)

    def _comparison(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.Comparison)
        self._push_all([node.left, *(target.comparator for target in node.comparisons)], item, Use.OPERAND)

    def _sequence(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, (cst.List, cst.Tuple, cst.Set))
        self._push_all([element.value for element in node.elements], item, Use.CONTAINER)

    def _dict(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.Dict)
        values: list[cst.CSTNode] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                values.extend((element.key, element.value))
            else:
                values.append(element.value)
        self._push_all(values, item, Use.CONTAINER)

    def _formatted_expression(self, item: _Item) -> None:
        node = item[0]
        assert isinstance(node, cst.FormattedStringExpression)
        self._push(node.format_spec[0] if node.format_spec else None, item)
        self._push(node.expression, item, Use.OPERAND, node)

    def _comprehension(self, item: _Item) -> None:
        node, outer, outer_context = item[0], item[1], item[2]
        assert isinstance(node, (cst.GeneratorExp, cst.ListComp, cst.SetComp, cst.DictComp))
        # Loop variables are local to the comprehension. A generator expression body is its own async context
        # (an async genexp is legal anywhere); list, set and dict comprehensions run in the enclosing one.
        # The first iterable is evaluated outside, in the enclosing scope.
        scope = Scope(ScopeKind.COMPREHENSION, node, outer, is_async=outer.is_async)
        outer.children.append(scope)
        inner = node if isinstance(node, cst.GeneratorExp) else outer_context
        clause: cst.CompFor | None = node.for_in
        first = True
        while clause is not None:
            if clause.asynchronous is not None:
                construct = AsyncConstruct(clause, clause.asynchronous, clause.iter, inner, "async comprehension")
                scope.owner.async_constructs.append(construct)
            self._bind_unknown(scope, clause.target)
            iterable_scope = outer if first else scope
            self._push(
                clause.iter, item, Use.ITERATED, clause, scope=iterable_scope, context=outer_context if first else inner
            )
            for condition in clause.ifs:
                self._push(condition.test, item, Use.CONDITION, clause, scope=scope, context=inner)
            first = False
            clause = clause.inner_for_in
        elements = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
        for element in elements:
            self._push(element, item, Use.CONTAINER, node, scope=scope, context=inner)

    def _chain(self, item: _Item) -> None:
        """Unroll `root.a(x)[i].b(y)` at once, so each call knows how its result is used."""
        top, scope, _, use, parent, targets = item
        steps: list[cst.BaseExpression] = []
        node: cst.CSTNode = top
        while isinstance(node, _CHAIN_TYPES):
            steps.append(node)
            node = node.func if isinstance(node, cst.Call) else node.value
        steps.reverse()
        root = node
        assert isinstance(top, cst.BaseExpression)
        last = len(steps) - 1
        for index, step in enumerate(steps):
            if isinstance(step, cst.Call):
                func = step.func
                if isinstance(func, cst.Attribute):
                    name, receiver = func.attr.value, func.value
                elif isinstance(func, cst.Name):
                    name, receiver = func.value, None
                else:
                    name, receiver = "", None
                if index == last:
                    step_use, step_parent, step_targets = use, parent, targets
                else:
                    step_use, step_parent, step_targets = Use.RECEIVER, steps[index + 1], ()
                scope.owner.calls.append(
                    CallSite(step, name, receiver, step_use, step_parent, scope, step_targets, top, use, parent)
                )
                for arg in reversed(step.args):
                    self._push(arg.value, item, Use.ARGUMENT, step)
            elif isinstance(step, cst.Subscript):
                for element in reversed(step.slice):
                    self._push(element.slice, item, Use.OPERAND, step)
        if not isinstance(root, cst.Name):
            self._push(root, item, Use.RECEIVER, steps[0] if steps else None)


# The handler of each node type: unbound methods, so that a walker holds no cycle through itself (it would
# keep its module's tree alive until a full garbage collection, which the server runs only when idle).
_HANDLERS: dict[type, Callable[[_Walker, _Item], None]] = {
    cst.Expr: _Walker._expr,
    cst.Assign: _Walker._assign,
    cst.AnnAssign: _Walker._ann_assign,
    cst.AugAssign: _Walker._aug_assign,
    cst.NamedExpr: _Walker._named_expr,
    cst.Return: _Walker._return,
    cst.Yield: _Walker._yield,
    cst.Await: _Walker._await,
    cst.FunctionDef: _Walker._function_def,
    cst.Lambda: _Walker._lambda,
    cst.ClassDef: _Walker._class_def,
    cst.Import: _Walker._import,
    cst.ImportFrom: _Walker._import_from,
    cst.With: _Walker._with,
    cst.For: _Walker._for,
    cst.If: _Walker._if_or_while,
    cst.While: _Walker._if_or_while,
    cst.IfExp: _Walker._if_exp,
    cst.BooleanOperation: _Walker._boolean_operation,
    cst.UnaryOperation: _Walker._unary_operation,
    cst.BinaryOperation: _Walker._binary_operation,
    cst.Comparison: _Walker._comparison,
    cst.List: _Walker._sequence,
    cst.Tuple: _Walker._sequence,
    cst.Set: _Walker._sequence,
    cst.Dict: _Walker._dict,
    cst.GeneratorExp: _Walker._comprehension,
    cst.ListComp: _Walker._comprehension,
    cst.SetComp: _Walker._comprehension,
    cst.DictComp: _Walker._comprehension,
    cst.Name: _Walker._name,
    cst.Global: _Walker._global,
    cst.Nonlocal: _Walker._global,
    cst.ExceptHandler: _Walker._except_handler,
    cst.Assert: _Walker._assert,
    cst.FormattedStringExpression: _Walker._formatted_expression,
    cst.TypeAlias: _Walker._type_alias,
    cst.Call: _Walker._chain,
    cst.Attribute: _Walker._chain,
    cst.Subscript: _Walker._chain,
}
