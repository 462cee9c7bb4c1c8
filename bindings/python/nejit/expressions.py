"""Build nejit expressions with Python operators: ``2*E.a + E.b**2``.

``E.<name>`` is a variable; arithmetic, comparisons, bitwise operators,
``abs()``, ``.real`` and ``.imag`` on it build a tree whose ``str()`` is the
expression text nejit compiles (fully parenthesized). A subset of
numexpr.expressions with the same public names (E, ExpressionNode,
VariableNode, ConstantNode, OpNode, FuncNode) and the same ``astType`` /
``astKind`` / ``value`` / ``children`` attributes, so code written against
numexpr's E keeps working. Functions are available as attributes of
``functions`` (``functions.sin(E.a)``) and as module-level names.
"""

import math

import numpy

__all__ = ["E", "ExpressionNode", "VariableNode", "ConstantNode", "OpNode",
           "FuncNode", "functions", "getKind"]

#: numexpr's kinds, narrowest first.
kind_rank = ("bool", "int", "long", "float", "double", "complex", "none")
default_kind = "double"
_INT32_MIN, _INT32_MAX = -2**31, 2**31 - 1


def getKind(x):
    """numexpr's kind for a Python or numpy scalar constant."""
    if isinstance(x, (bytes, str, numpy.bytes_)):
        return "bytes"
    if isinstance(x, (bool, numpy.bool_)):
        return "bool"
    if isinstance(x, numpy.int64):
        return "long"
    if isinstance(x, numpy.float64):
        return "double"
    if isinstance(x, numpy.float32):
        return "float"
    if isinstance(x, (int, numpy.integer)):
        return "int" if _INT32_MIN <= x <= _INT32_MAX else "long"
    if isinstance(x, (float, numpy.floating)):
        return "double"
    if isinstance(x, (complex, numpy.complexfloating)):
        return "complex"
    raise TypeError("unsupported constant type: %s" % type(x))


def _common_kind(nodes):
    kinds = [n.astKind for n in nodes]
    nbytes = kinds.count("bytes")
    if 0 < nbytes < len(kinds):
        raise TypeError("strings can only be operated with strings")
    if nbytes:
        return "bytes"
    return max(kinds, key=kind_rank.index)


def _node(x):
    if isinstance(x, ExpressionNode):
        return x
    if isinstance(x, (bool, int, float, complex, bytes, str, numpy.generic)):
        return ConstantNode(x)
    raise TypeError("unsupported object type: %s" % type(x))


# Operator spellings for OpNode.value -> text.
_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floordiv": "//",
           "mod": "%", "pow": "**", "lshift": "<<", "rshift": ">>",
           "and": "&", "or": "|", "xor": "^", "gt": ">", "ge": ">=",
           "lt": "<", "le": "<=", "eq": "==", "ne": "!="}
_UNARY = {"neg": "-", "invert": "~"}
_BOOL_RESULT = {"gt", "ge", "lt", "le", "eq", "ne"}


class ExpressionNode:
    """A node of an expression tree; ``str(node)`` is its expression text."""

    astType = "generic"

    def __init__(self, value=None, kind=None, children=()):
        self.value = value
        self.astKind = kind if kind is not None else "none"
        self.children = tuple(children)

    # -- text ---------------------------------------------------------------
    leafNode = False

    def _text(self, bind):
        """The expression text, built without recursion: ``E.a + E.a + ...``
        is a chain as deep as it is long (10,000 terms would exceed Python's
        recursion limit). Children are visited left to right, so ``bind``
        sees constants in text order."""
        texts = {}
        stack = [self]
        while stack:
            node = stack[-1]
            if id(node) in texts:
                stack.pop()
            elif node.leafNode:
                texts[id(node)] = node._leaf_text(bind)
                stack.pop()
            else:
                pending = [c for c in node.children if id(c) not in texts]
                if pending:
                    stack.extend(reversed(pending))
                else:
                    texts[id(node)] = node._join(
                        [texts[id(c)] for c in node.children])
                    stack.pop()
        return texts[id(self)]

    def _leaf_text(self, bind):
        raise NotImplementedError

    def _join(self, parts):
        raise NotImplementedError

    def __str__(self):
        return self._text(None)

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self)

    def _compile_text(self, prefix="_nejit_const"):
        """Expression text plus the constants it could not spell as
        literals (float32, nan, inf, numpy integers...), bound to hidden
        variable names: returns (text, [(name, value)])."""
        bound = []

        def bind(value):
            for name, v in bound:
                if type(v) is type(value) and (v == value or (v != v and value != value)):
                    return name
            name = "%s%d" % (prefix, len(bound))
            bound.append((name, value))
            return name

        return self._text(bind), bound

    # -- operators ----------------------------------------------------------
    def _bin(self, op, other, reverse=False):
        other = _node(other)
        a, b = (other, self) if reverse else (self, other)
        kind = "bool" if op in _BOOL_RESULT else None
        return OpNode(op, (a, b), kind)

    __add__ = lambda s, o: s._bin("add", o)
    __radd__ = lambda s, o: s._bin("add", o, True)
    __sub__ = lambda s, o: s._bin("sub", o)
    __rsub__ = lambda s, o: s._bin("sub", o, True)
    __mul__ = lambda s, o: s._bin("mul", o)
    __rmul__ = lambda s, o: s._bin("mul", o, True)
    __truediv__ = lambda s, o: s._bin("div", o)
    __rtruediv__ = lambda s, o: s._bin("div", o, True)
    __floordiv__ = lambda s, o: s._bin("floordiv", o)
    __rfloordiv__ = lambda s, o: s._bin("floordiv", o, True)
    __mod__ = lambda s, o: s._bin("mod", o)
    __rmod__ = lambda s, o: s._bin("mod", o, True)
    __pow__ = lambda s, o: s._bin("pow", o)
    __rpow__ = lambda s, o: s._bin("pow", o, True)
    __lshift__ = lambda s, o: s._bin("lshift", o)
    __rlshift__ = lambda s, o: s._bin("lshift", o, True)
    __rshift__ = lambda s, o: s._bin("rshift", o)
    __rrshift__ = lambda s, o: s._bin("rshift", o, True)
    __and__ = lambda s, o: s._bin("and", o)
    __rand__ = lambda s, o: s._bin("and", o, True)
    __or__ = lambda s, o: s._bin("or", o)
    __ror__ = lambda s, o: s._bin("or", o, True)
    __xor__ = lambda s, o: s._bin("xor", o)
    __rxor__ = lambda s, o: s._bin("xor", o, True)
    __gt__ = lambda s, o: s._bin("gt", o)
    __ge__ = lambda s, o: s._bin("ge", o)
    __lt__ = lambda s, o: s._bin("lt", o)
    __le__ = lambda s, o: s._bin("le", o)
    __eq__ = lambda s, o: s._bin("eq", o)
    __ne__ = lambda s, o: s._bin("ne", o)
    __hash__ = object.__hash__

    def __neg__(self):
        return OpNode("neg", (self,))

    def __invert__(self):
        return OpNode("invert", (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return FuncNode("abs", (self,))

    @property
    def real(self):
        return FuncNode("real", (self,), "double")

    @property
    def imag(self):
        return FuncNode("imag", (self,), "double")

    def __bool__(self):
        raise TypeError("You can't use Python's standard boolean operators in "
                        "nejit expressions. Use their bitwise counterparts "
                        "instead: '&' instead of 'and', '|' instead of 'or', "
                        "and '~' instead of 'not'.")


class LeafNode(ExpressionNode):
    leafNode = True


class VariableNode(LeafNode):
    """A named operand."""

    astType = "variable"

    def __init__(self, value=None, kind=None, children=None):
        super().__init__(value, kind if kind is not None else default_kind)

    def _leaf_text(self, bind):
        return str(self.value)


class ConstantNode(LeafNode):
    """A scalar constant (Python or numpy scalar, bytes or str)."""

    astType = "constant"

    def __init__(self, value=None, children=None):
        kind = getKind(value)
        if isinstance(value, str):
            value = value.encode("ascii")
        super().__init__(value, kind)

    def __neg__(self):
        return ConstantNode(-self.value)

    def __invert__(self):
        return ConstantNode(~self.value)

    def _literal(self):
        """The value spelled as a literal of the expression language, or
        None when only a bound variable can carry it exactly."""
        v = self.value
        if isinstance(v, bool):
            return "True" if v else "False"
        if type(v) is int:
            return str(v) if v >= 0 else "(%d)" % v
        if type(v) is float:
            if math.isfinite(v):
                return repr(v) if v >= 0 else "(%r)" % v
            return None
        if type(v) is complex:
            if math.isfinite(v.real) and math.isfinite(v.imag):
                return "(%r+%rj)" % (v.real, v.imag)
            return None
        if type(v) is bytes:
            return repr(v)
        return None

    def _leaf_text(self, bind):
        lit = self._literal()
        if lit is not None:
            return lit
        if bind is None:
            return repr(self.value)
        return bind(self.value)


class OpNode(ExpressionNode):
    """An operator applied to its children."""

    astType = "op"

    def __init__(self, opcode=None, args=None, kind=None):
        args = tuple(_node(a) for a in (args or ()))
        if kind is None and args:
            kind = _common_kind(args)
        super().__init__(opcode, kind, args)

    def _join(self, parts):
        op = self.value
        if op in _BINARY and len(parts) == 2:
            return "(%s %s %s)" % (parts[0], _BINARY[op], parts[1])
        if op in _UNARY and len(parts) == 1:
            return "(%s%s)" % (_UNARY[op], parts[0])
        return "%s(%s)" % (op, ", ".join(parts))


class FuncNode(OpNode):
    """A function call: where(c, a, b), sin(x), sum(x, axis=0)..."""

    def __init__(self, opcode=None, args=None, kind=None, axis=None):
        super().__init__(opcode, args, kind)
        if opcode in ("isnan", "isfinite", "isinf", "signbit", "contains"):
            self.astKind = "bool"
        self.axis = axis

    def _join(self, parts):
        parts = list(parts)
        if self.axis is not None:
            parts.append("axis=%d" % self.axis)
        return "%s(%s)" % (self.value, ", ".join(parts))


class _Functions:
    """``functions.sin(E.a)`` etc.: the expression language's functions."""

    _names = ("sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh "
              "arccosh arctanh log log10 log1p log2 exp expm1 sqrt abs conj "
              "real imag ceil floor trunc round sign isnan isfinite isinf "
              "signbit copy ones_like arctan2 fmod hypot nextafter copysign "
              "maximum minimum where complex contains").split()

    def __getattr__(self, name):
        if name not in self._names:
            raise AttributeError(name)
        return lambda *args: FuncNode(name, args)

    def _reduction(self, name):
        def reduce(a, axis=None):
            return FuncNode(name, (a,), axis=axis)
        return reduce

    def __init__(self):
        for name in ("sum", "prod", "min", "max"):
            setattr(self, name, self._reduction(name))


functions = _Functions()


class Expression:
    """``E.name`` is the variable ``name``."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return VariableNode(name, default_kind)


E = Expression()
