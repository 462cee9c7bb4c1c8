"""Expression trees built with Python operators, as numexpr builds them.

``E.<name>`` is a variable; arithmetic, comparisons, bitwise operators and
the functions of ``functions`` (a dict, name -> builder, as numexpr's) build
a tree of ``ExpressionNode`` objects with numexpr 2.14.2's rules: the kind of
each node (``astKind``: bool, int, long, float, double, complex, bytes), the
folding of operations on constants with Python's (or numpy's) semantics, and
the rewrites that numexpr's ``optimization`` level makes while building
(``a / c`` as ``a * (1/c)``, constant powers expanded into products).
numexpr's clients walk these trees (PyTables finds the comparisons an index
can answer in them) through ``astType``, ``astKind``, ``value`` and
``children``, so those attributes hold what numexpr's hold.

A tree is compiled by nejit from its expression text: ``str(node)`` is that
text, fully parenthesized, and ``node._compile_text()`` also returns the
constants that no literal spells exactly (float32 values, nan, int64 values
within the int32 range), bound to hidden variables. Since the tree already
carries the rewrites of its optimization level, necompiler.NumExpr compiles
the text with ``optimization='none'``, so nejit's kernel computes what
numexpr's program for the same tree computes.
"""

import math
import operator
import threading

import numpy

__all__ = ["E"]

double = numpy.double
int_ = numpy.int32
long_ = numpy.int64

#: The kind of undeclared variables.
default_kind = "double"
#: numexpr's kinds, narrowest first; the widest operand kind wins.
kind_rank = ("bool", "int", "long", "float", "double", "complex", "none")
type_to_kind = {bool: "bool", int_: "int", long_: "long", float: "float",
                double: "double", complex: "complex", bytes: "bytes",
                str: "str"}
kind_to_type = {kind: t for t, kind in type_to_kind.items()}
scalar_constant_types = (bool, int_, int, float, double, complex, bytes, str)

max_int32 = 2**31 - 1
min_int32 = -2**31
#: numexpr's encoding of "all axes" in a reduction (interpreter.allaxes).
_ALL_AXES = 255


class Context(threading.local):
    """Per-thread build settings (the optimization level) that
    necompiler.stringToExpression sets while it builds a tree."""

    def get(self, name, default):
        return self.__dict__.get(name, default)

    def get_current_context(self):
        return self.__dict__

    def set_new_context(self, values):
        self.__dict__.update(values)


_context = Context()


def get_optimization():
    """The optimization level trees are built with in this thread; 'none'
    outside stringToExpression (so ``E.a ** 2`` stays a power)."""
    return _context.get("optimization", "none")


def isConstant(ex):
    """Whether ex is a scalar that becomes a ConstantNode in an operation.
    numexpr's types, plus numpy scalars of the kinds it computes (nejit
    took these before and keeps taking them)."""
    if isinstance(ex, scalar_constant_types):
        return True
    return isinstance(ex, numpy.generic) and ex.dtype.kind in "biufcS"


def allConstantNodes(args):
    return all(isinstance(a, ConstantNode) for a in args)


def _as_node(x):
    if isinstance(x, (ExpressionNode, RawNode)):
        return x
    if isConstant(x):
        return ConstantNode(x)
    raise TypeError("unsupported object type: %s" % type(x))


def bestConstantType(x):
    """The numexpr type a scalar constant computes as, or None."""
    if isinstance(x, (bytes, str)):
        return bytes
    if isinstance(x, (bool, numpy.bool_)):
        return bool
    # Typed numpy scalars keep their width: a user widens a result with
    # numpy.int64(1) or numpy.float64(1) on purpose.
    if isinstance(x, numpy.int64):
        return long_
    if isinstance(x, numpy.float64):
        return double
    if isinstance(x, numpy.float32):
        return float
    if isinstance(x, (int, numpy.integer)):
        return int_ if min_int32 <= x <= max_int32 else long_
    for convert in (float, complex):
        try:
            y = convert(x)
        except Exception:
            continue
        if y == x or numpy.isnan(y):
            return convert
    return None


def getKind(x):
    """numexpr's kind of a scalar constant."""
    t = bestConstantType(x)
    if t is None:
        raise TypeError("unsupported constant type: %s" % type(x))
    return type_to_kind[t]


def commonKind(nodes):
    """The kind an operation on nodes computes in: the widest, or bytes
    when every operand is a string."""
    kinds = [n.astKind for n in nodes]
    strings = kinds.count("bytes") + kinds.count("str")
    if 0 < strings < len(kinds):
        raise TypeError("strings can only be operated with strings")
    if strings:
        return "bytes"
    return max(kinds, key=kind_rank.index)


# --- nodes --------------------------------------------------------------------

# Operator values -> the expression language's spelling.
_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floordiv": "//",
           "mod": "%", "pow": "**", "lshift": "<<", "rshift": ">>",
           "and": "&", "or": "|", "xor": "^", "gt": ">", "ge": ">=",
           "lt": "<", "le": "<=", "eq": "==", "ne": "!="}
_UNARY = {"neg": "-", "invert": "~"}
# Node values that are numpy's function names where the language has its own.
_FUNC_SPELLING = {"absolute": "abs", "conjugate": "conj"}
_REDUCTIONS = ("sum", "prod", "min", "max")


def _binop(opname, reverse=False, kind=None):
    """An operator method: folds two constants with Python's operator,
    otherwise makes an OpNode (operands swapped when reverse)."""
    pyop = getattr(operator, "__%s__" % opname)

    def method(self, other):
        a, b = _as_node(self), _as_node(other)
        if reverse:
            a, b = b, a
        if allConstantNodes((a, b)):
            return ConstantNode(pyop(a.value, b.value))
        return OpNode(opname, (a, b), kind=kind)

    method.__name__ = "__%s%s__" % ("r" if reverse else "", opname)
    return method


def _truediv(a, b):
    a, b = _as_node(a), _as_node(b)
    if get_optimization() in ("moderate", "aggressive"):
        if (isinstance(b, ConstantNode) and a.astKind == b.astKind
                and a.astKind in ("float", "double", "complex")):
            return OpNode("mul", (a, ConstantNode(1.0 / b.value)))
    kind = commonKind((a, b))
    if kind in ("bool", "int", "long"):
        kind = "double"
    return OpNode("div", (a, b), kind=kind)


def _expanded_power(a, x):
    """a ** x for an integral or half-integral constant |x| <= 50, as
    numexpr's aggressive level expands it: square-and-multiply from the
    lowest bit (the grouping of the products decides the rounding, so it
    is numexpr's), times sqrt(a) for a half, 1/... for a negative x."""
    n = int(abs(x))
    half = int(abs(2 * x)) % 2
    result = None
    square = a
    bit = 1
    while True:
        if n & bit:
            result = square if result is None else OpNode("mul",
                                                          (result, square))
        bit <<= 1
        if bit > n:
            break
        square = OpNode("mul", (square, square))
    if half:
        kind = commonKind((a,))
        if kind in ("int", "long"):
            kind = "double"
        root = OpNode("sqrt", (a,), kind)
        result = root if result is None else OpNode("mul", (result, root))
    if result is None:
        result = OpNode("ones_like", (a,))
    if x < 0:
        result = _truediv(ConstantNode(1), result)
    return result


def _pow(a, b):
    a, b = _as_node(a), _as_node(b)
    if isinstance(b, ConstantNode):
        x = b.value
        if (a.astKind in ("int", "long") and b.astKind in ("int", "long")
                and x < 0):
            raise ValueError(
                "Integers to negative integer powers are not allowed.")
        level = get_optimization()
        if level == "aggressive" and int(2 * x) == 2 * x and abs(x) <= 50:
            return _expanded_power(a, x)
        if level in ("moderate", "aggressive"):
            if x == -1:
                return OpNode("div", (ConstantNode(1), a))
            if x == 0:
                return OpNode("ones_like", (a,))
            if x == 0.5:
                kind = a.astKind
                if kind in ("int", "long"):
                    kind = "double"
                return FuncNode("sqrt", (a,), kind=kind)
            if x == 1:
                return a
            if x == 2:
                return OpNode("mul", (a, a))
    if allConstantNodes((a, b)):
        return ConstantNode(a.value ** b.value)
    return OpNode("pow", (a, b))


class ExpressionNode:
    """A node of an expression tree: astType ('op', 'variable',
    'constant'), astKind (its result kind), value (opcode, name or
    constant) and children. ``str(node)`` is its expression text."""

    astType = "generic"
    leafNode = False

    def __init__(self, value=None, kind=None, children=None):
        self.value = value
        self.astKind = kind if kind is not None else "none"
        self.children = tuple(children) if children is not None else ()

    # -- operators (numexpr's: no reflected &, |, ^ or //) ------------------
    __add__ = __radd__ = _binop("add")
    __sub__ = _binop("sub")
    __rsub__ = _binop("sub", reverse=True)
    __mul__ = __rmul__ = _binop("mul")
    __floordiv__ = _binop("floordiv")
    __mod__ = _binop("mod")
    __rmod__ = _binop("mod", reverse=True)
    __lshift__ = _binop("lshift")
    __rlshift__ = _binop("lshift", reverse=True)
    __rshift__ = _binop("rshift")
    __rrshift__ = _binop("rshift", reverse=True)
    __and__ = _binop("and")
    __or__ = _binop("or")
    __xor__ = _binop("xor")
    __gt__ = _binop("gt", kind="bool")
    __ge__ = _binop("ge", kind="bool")
    __eq__ = _binop("eq", kind="bool")
    __ne__ = _binop("ne", kind="bool")
    # numexpr has no lt/le: a < b is b > a.
    __lt__ = _binop("gt", reverse=True, kind="bool")
    __le__ = _binop("ge", reverse=True, kind="bool")
    __rpow__ = _binop("pow", reverse=True)
    __hash__ = object.__hash__

    def __truediv__(self, other):
        return _truediv(self, other)

    def __rtruediv__(self, other):
        return _truediv(other, self)

    def __pow__(self, other):
        return _pow(self, other)

    def __neg__(self):
        return OpNode("neg", (self,))

    def __invert__(self):
        return OpNode("invert", (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return functions["abs"](self)

    @property
    def real(self):
        if self.astType == "constant":
            return ConstantNode(complex(self.value).real)
        return OpNode("real", (self,), "double")

    @property
    def imag(self):
        if self.astType == "constant":
            return ConstantNode(complex(self.value).imag)
        return OpNode("imag", (self,), "double")

    def __bool__(self):
        raise TypeError("You can't use Python's standard boolean operators in "
                        "NumExpr expressions. You should use their bitwise "
                        "counterparts instead: '&' instead of 'and', "
                        "'|' instead of 'or', and '~' instead of 'not'.")

    # -- text ---------------------------------------------------------------
    def _text(self, bind):
        """The expression text, built without recursion (``E.a + E.a +
        ...`` is a chain as deep as it is long). Children are visited left
        to right, so ``bind`` sees constants in text order."""
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
        return "<%s %s %s>" % (type(self).__name__, self.astKind, self)

    def _compile_text(self, prefix="_nejit_const"):
        """Expression text plus the constants it could not spell as
        literals, bound to hidden variable names: (text, [(name, value)])."""
        bound = []

        def bind(value):
            for name, v in bound:
                if type(v) is type(value) and (v == value or
                                               (v != v and value != value)):
                    return name
            name = "%s%d" % (prefix, len(bound))
            bound.append((name, value))
            return name

        return self._text(bind), bound


class LeafNode(ExpressionNode):
    leafNode = True


class VariableNode(LeafNode):
    """A named operand of kind ``kind`` (default double)."""

    astType = "variable"

    def __init__(self, value=None, kind=None, children=None):
        super().__init__(value, kind)

    def _leaf_text(self, bind):
        return str(self.value)


class RawNode:
    """A raw integer operand (a reduction's axis). Not an ExpressionNode,
    so no operator applies to it."""

    astType = "raw"
    astKind = "none"
    leafNode = True

    def __init__(self, value):
        self.value = value
        self.children = ()

    def _leaf_text(self, bind):
        return str(self.value)

    def __repr__(self):
        return "RawNode(%s)" % (self.value,)

    __str__ = __repr__


def _literal(value, kind):
    """value spelled as a literal of the expression language that has the
    constant's kind, or None when only a bound variable carries it."""
    if kind == "bool":
        return "True" if value else "False"
    if kind in ("bytes", "str"):
        if isinstance(value, str):
            value = value.encode("ascii")
        return repr(bytes(value))
    if kind == "int" or (kind == "long" and not min_int32 <= value <= max_int32
                         and isinstance(value, int)):
        v = int(value)
        return str(v) if v >= 0 else "(%d)" % v
    if kind == "double":
        v = float(value)
        if math.isfinite(v):
            return repr(v) if math.copysign(1, v) > 0 else "(%r)" % v
        return None
    if kind == "complex" and isinstance(value, complex):
        if math.isfinite(value.real) and math.isfinite(value.imag):
            return "complex(%r, %r)" % (value.real, value.imag)
    return None


class ConstantNode(LeafNode):
    """A scalar constant; its kind is numexpr's for the value (a Python
    float is double, numpy.float32 float, an int beyond int32 long)."""

    astType = "constant"

    def __init__(self, value=None, children=None):
        kind = getKind(value)
        if kind == "float" and isinstance(value, float):
            kind = "double"
        super().__init__(value, kind)

    def __neg__(self):
        return ConstantNode(-self.value)

    def __invert__(self):
        return ConstantNode(~self.value)

    def _leaf_text(self, bind):
        lit = _literal(self.value, self.astKind)
        if lit is not None:
            return lit
        if bind is None:
            return repr(self.value)
        return bind(self._bound_value())

    def _bound_value(self):
        """The value as the numpy scalar of the constant's kind."""
        numpy_type = {"int": numpy.int32, "long": numpy.int64,
                      "float": numpy.float32, "double": numpy.float64,
                      "complex": numpy.complex128}[self.astKind]
        return numpy_type(self.value)


class OpNode(ExpressionNode):
    """An operation on its children; its kind is the widest operand's unless
    given. On bools, + is 'or' and * is 'and' (numexpr 2.13.1)."""

    astType = "op"

    def __init__(self, opcode=None, args=None, kind=None):
        args = tuple(_as_node(a) for a in args) if args is not None else None
        if kind is None and args is not None:
            kind = commonKind(args)
        if kind == "bool":
            opcode = {"mul": "and", "add": "or"}.get(opcode, opcode)
        super().__init__(opcode, kind, args)

    def _join(self, parts):
        op = self.value
        if op in _BINARY and len(parts) == 2:
            return "(%s %s %s)" % (parts[0], _BINARY[op], parts[1])
        if op in _UNARY and len(parts) == 1:
            return "(%s%s)" % (_UNARY[op], parts[0])
        if (op in _REDUCTIONS and len(self.children) == 2
                and isinstance(self.children[1], RawNode)):
            axis = self.children[1].value
            if axis == _ALL_AXES:
                return "%s(%s)" % (op, parts[0])
            return "%s(%s, axis=%d)" % (op, parts[0], axis)
        return "%s(%s)" % (_FUNC_SPELLING.get(op, op), ", ".join(parts))


class FuncNode(OpNode):
    """A function call; isnan, isfinite, isinf and signbit are bool."""

    def __init__(self, opcode=None, args=None, kind=None):
        if opcode in ("isnan", "isfinite", "isinf", "signbit"):
            kind = "bool"
        super().__init__(opcode, args, kind)


# --- functions ----------------------------------------------------------------

# Integer arguments are computed in double except by these (which numpy
# computes in the integer type too).
_INTEGER_FUNCS = frozenset(("copy", "ones_like", "round", "sign"))


def _func(numpy_func, minkind=None, maxkind=None):
    """A builder for numpy_func: folds constants with numpy, otherwise a
    FuncNode named after numpy's function, its kind the operands' widest
    clamped to [minkind, maxkind] (integers to double)."""
    name = numpy_func.__name__

    def build(*args):
        args = tuple(_as_node(a) for a in args)
        if allConstantNodes(args):
            return ConstantNode(numpy_func(*[a.value for a in args]))
        kind = commonKind(args)
        if kind in ("int", "long"):
            if name not in _INTEGER_FUNCS:
                kind = "double"
        else:
            if minkind and kind_rank.index(minkind) > kind_rank.index(kind):
                kind = minkind
            if maxkind and kind_rank.index(maxkind) < kind_rank.index(kind):
                kind = maxkind
        return FuncNode(name, args, kind)

    build.__name__ = name
    return build


def _where(cond, a, b):
    cond, a, b = _as_node(cond), _as_node(a), _as_node(b)
    if isinstance(cond, ConstantNode):
        return a if cond.value else b
    return FuncNode("where", (cond, a, b))


def _contains(a, b):
    return FuncNode("contains", (_as_node(a), _as_node(b)), kind="bool")


def _axis_node(axis):
    if isinstance(axis, ConstantNode):
        axis = axis.value
    if axis is None:
        return RawNode(_ALL_AXES)
    if axis < 0:
        raise ValueError("negative axis are not supported")
    if axis > 254:
        raise ValueError("cannot encode axis")
    return RawNode(axis)


def _reduction(name):
    def reduce(a, axis=None):
        axis = _axis_node(axis)
        if isinstance(a, ConstantNode):
            return a
        if isinstance(a, (bool, int_, long_, float, double, complex)):
            a = ConstantNode(a)
        if not isinstance(a, ExpressionNode):
            raise TypeError("unsupported object type: %s" % type(a))
        return FuncNode(name, (a, axis), kind=a.astKind)

    reduce.__name__ = name
    return reduce


class _FunctionTable(dict):
    """numexpr's ``functions`` dict (name -> builder); nejit's attribute
    spelling ``functions.sin(E.a)`` works too."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# name: (numpy function, minimum kind, maximum kind)
_FUNCTION_KINDS = {
    "copy": (numpy.copy, None, None),
    "ones_like": (numpy.ones_like, None, None),
    "sqrt": (numpy.sqrt, "float", None),
    "sin": (numpy.sin, "float", None),
    "cos": (numpy.cos, "float", None),
    "tan": (numpy.tan, "float", None),
    "arcsin": (numpy.arcsin, "float", None),
    "arccos": (numpy.arccos, "float", None),
    "arctan": (numpy.arctan, "float", None),
    "sinh": (numpy.sinh, "float", None),
    "cosh": (numpy.cosh, "float", None),
    "tanh": (numpy.tanh, "float", None),
    "arcsinh": (numpy.arcsinh, "float", None),
    "arccosh": (numpy.arccosh, "float", None),
    "arctanh": (numpy.arctanh, "float", None),
    "fmod": (numpy.fmod, "float", None),
    "arctan2": (numpy.arctan2, "float", None),
    "hypot": (numpy.hypot, "double", None),
    "nextafter": (numpy.nextafter, "double", None),
    "copysign": (numpy.copysign, "double", None),
    "maximum": (numpy.maximum, "double", None),
    "minimum": (numpy.minimum, "double", None),
    "log": (numpy.log, "float", None),
    "log1p": (numpy.log1p, "float", None),
    "log10": (numpy.log10, "float", None),
    "log2": (numpy.log2, "float", None),
    "exp": (numpy.exp, "float", None),
    "expm1": (numpy.expm1, "float", None),
    "abs": (numpy.absolute, "float", None),
    "ceil": (numpy.ceil, "float", "double"),
    "floor": (numpy.floor, "float", "double"),
    "round": (numpy.round, "double", None),
    "trunc": (numpy.trunc, "double", None),
    "sign": (numpy.sign, "double", None),
    "real": (numpy.real, "double", "double"),
    "imag": (numpy.imag, "double", "double"),
    "complex": (complex, "complex", None),
    "conj": (numpy.conj, "complex", None),
    "isnan": (numpy.isnan, "double", None),
    "isfinite": (numpy.isfinite, "double", None),
    "isinf": (numpy.isinf, "double", None),
    "signbit": (numpy.signbit, "double", None),
}

#: The expression language's functions: name -> builder of its node.
functions = _FunctionTable(
    (name, _func(f, lo, hi)) for name, (f, lo, hi) in _FUNCTION_KINDS.items())
functions["where"] = _where
functions["contains"] = _contains
for _name in _REDUCTIONS:
    functions[_name] = _reduction(_name)
del _name


class Expression:
    """``E.name`` is the variable ``name`` (of kind double)."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return VariableNode(name, default_kind)


E = Expression()
