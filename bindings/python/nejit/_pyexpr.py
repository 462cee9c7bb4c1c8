"""numexpr's stringToExpression: expression text -> ExpressionNode tree.

numexpr evaluates the text as Python, with a VariableNode for every name,
so the tree is whatever Python's operators on those nodes build. nejit
gets the same tree without handing the text to ``eval``: it parses it with
Python's own parser (``ast``) and applies, node by node, the operation
Python would apply — the same operator functions, the same chained
comparison and short-circuit rules — to the nodes and constants. Only the
syntax an expression can have is accepted; anything else (lambdas,
comprehensions, assignments, ...) is a TypeError, so the text can never run
code.
"""

import ast
import operator

from . import expressions
from ._sanitize import check as _check_sanitized

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub,
           ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow, ast.LShift: operator.lshift,
           ast.RShift: operator.rshift, ast.BitAnd: operator.and_,
           ast.BitOr: operator.or_, ast.BitXor: operator.xor,
           ast.MatMult: operator.matmul}
_UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos,
             ast.Invert: operator.invert, ast.Not: operator.not_}
_COMPARES = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
             ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne,
             ast.Is: operator.is_, ast.IsNot: operator.is_not,
             ast.In: lambda a, b: operator.contains(b, a),
             ast.NotIn: lambda a, b: not operator.contains(b, a)}


class _Builder:
    """Evaluates a parsed expression over names (variables and
    functions)."""

    def __init__(self, names):
        self.names = names

    def build(self, node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise TypeError("unsupported syntax in expression: %s"
                            % type(node).__name__)
        return method(node)

    def visit_Expression(self, node):
        return self.build(node.body)

    def visit_Constant(self, node):
        return node.value

    def visit_Name(self, node):
        try:
            return self.names[node.id]
        except KeyError:
            raise NameError("name '%s' is not defined" % node.id) from None

    def visit_BinOp(self, node):
        return _BINOPS[type(node.op)](self.build(node.left),
                                      self.build(node.right))

    def visit_UnaryOp(self, node):
        return _UNARYOPS[type(node.op)](self.build(node.operand))

    def visit_Compare(self, node):
        # a < b < c is (a < b) and (b < c), b evaluated once: the 'and'
        # asks for the truth of a node, which numexpr's nodes refuse.
        left = self.build(node.left)
        last = len(node.ops) - 1
        for i, (op, right_node) in enumerate(zip(node.ops, node.comparators)):
            right = self.build(right_node)
            result = _COMPARES[type(op)](left, right)
            if i == last or not result:
                return result
            left = right

    def visit_BoolOp(self, node):
        want = isinstance(node.op, ast.Or)
        value = None
        for operand in node.values:
            value = self.build(operand)
            if bool(value) == want:
                return value
        return value

    def visit_IfExp(self, node):
        return (self.build(node.body) if self.build(node.test)
                else self.build(node.orelse))

    def visit_Call(self, node):
        func = self.build(node.func)
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.build(a.value))
            else:
                args.append(self.build(a))
        kwargs = {}
        for k in node.keywords:
            if k.arg is None:
                kwargs.update(self.build(k.value))
            else:
                kwargs[k.arg] = self.build(k.value)
        return func(*args, **kwargs)

    def visit_Attribute(self, node):
        return getattr(self.build(node.value), node.attr)

    def visit_Subscript(self, node):
        return operator.getitem(self.build(node.value), self.build(node.slice))

    def visit_Tuple(self, node):
        return tuple(self.build(e) for e in node.elts)


def stringToExpression(s, types, context, sanitize=True):
    """The ExpressionNode tree of the text s, as numexpr builds it: a
    variable's kind comes from types (name -> numexpr type; double when
    absent), the optimization level from context (numexpr's keyword
    dict), and an all-constant expression is a ConstantNode."""
    if sanitize:
        _check_sanitized(s)
    tree = ast.parse(s, "<expr>", mode="eval")
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in names:
            t = types.get(node.id, expressions.kind_to_type[
                expressions.default_kind])
            names[node.id] = expressions.VariableNode(
                node.id, expressions.type_to_kind[t])
    names.update(expressions.functions)

    saved = dict(expressions._context.get_current_context())
    expressions._context.set_new_context(context)
    try:
        ex = _Builder(names).build(tree)
    finally:
        current = expressions._context.get_current_context()
        current.clear()
        current.update(saved)

    if expressions.isConstant(ex):
        ex = expressions.ConstantNode(ex)
    elif not isinstance(ex, expressions.ExpressionNode):
        raise TypeError("unsupported expression type: %s" % type(ex))
    return ex
