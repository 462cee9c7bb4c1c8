"""NumExpr objects, disassemble, and numexpr.necompiler's helper names.

evaluate / validate / re_evaluate themselves are implemented in C++
(nejit._nejit) and re-exported here.
"""

import __future__
import sys

import numpy

from . import _nejit
from ._nejit import evaluate, re_evaluate, validate
from ._sanitize import check as _check_sanitized
from .expressions import ExpressionNode
from . import utils as _utils

__all__ = ["NumExpr", "disassemble", "evaluate", "re_evaluate", "validate",
           "getContext", "getExprNames", "getType", "getArguments"]

double = numpy.double
int_ = numpy.int32
long_ = numpy.int64

_OPTIMIZATIONS = ("none", "moderate", "aggressive")
context_info = [
    ("optimization", _OPTIMIZATIONS, "aggressive"),
    ("truediv", (False, True, "auto"), "auto"),
    # nejit's own: the math library (nejit.compile's backend=).
    ("backend", ("auto", "sleef", "vml", "libm"), "auto"),
]
#: backend= names to the C++ MathBackend's values.
_BACKEND_CODES = {"auto": 0, "sleef": 1, "vml": 2, "libm": 3}


def getContext(kwargs, _frame_depth=1):
    """Validate numexpr's keyword arguments (optimization, truediv) and
    nejit's backend."""
    d = dict(kwargs)
    context = {}
    for name, allowed, default in context_info:
        value = d.pop(name, default)
        if value not in allowed:
            raise ValueError("'%s' must be one of %s" % (name, allowed))
        context[name] = value
    if d:
        raise ValueError("Unknown keyword argument '%s'" % d.popitem()[0])
    if context["truediv"] == "auto":
        caller_globals = sys._getframe(_frame_depth + 1).f_globals
        context["truediv"] = (caller_globals.get("division", None)
                              == __future__.division)
    return context


def getType(a):
    """numexpr's computing type for an array (the classes numexpr uses)."""
    kind = a.dtype.kind
    size = a.dtype.itemsize
    if kind == "b":
        return bool
    if kind in "iu":
        if size > 4 or (kind == "u" and size == 4):
            return long_
        return int_
    if kind == "f":
        return double if size > 4 else float
    if kind == "c":
        return complex
    if kind == "S":
        return bytes
    if kind == "U":
        raise ValueError("NumExpr 2 does not support Unicode as a dtype.")
    raise ValueError("unknown type %s" % a.dtype.name)


# The operations numexpr 2.14.2 runs through VML when it has it
# (numexpr.necompiler.vml_functions), by their IR names.
_NUMEXPR_VML_OPS = frozenset((
    "div", "inv", "pow", "sqrt", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "log",
    "log1p", "log10", "log2", "exp", "expm1", "absolute", "conjugate",
    "arctan2", "fmod", "ceil", "floor", "isnan", "isfinite", "isinf",
    "hypot", "round", "trunc", "nextafter", "copysign", "signbit", "sign",
    "minimum", "maximum"))


_FUNC_OPS = {"abs": "absolute", "conj": "conjugate"}


def _uses_numexpr_vml_op(text, names):
    """Whether text, typed as numexpr's getExprNames types it (every
    variable double), has an operation numexpr would give VML."""
    try:
        ir = _nejit.dis(text, [(n, "f8", 0) for n in names], "ir")
    except Exception:
        # numexpr builds the tree without typing it, so an expression that
        # does not type (arctan2(a)) still names its functions: look for
        # calls and operators in the text.
        import re
        calls = {_FUNC_OPS.get(f, f)
                 for f in re.findall(r"([A-Za-z_]\w*)\s*\(", text)}
        ops = {"div"} if "/" in text else set()
        ops |= {"pow"} if "**" in text else set()
        return bool((calls | ops) & _NUMEXPR_VML_OPS)
    for line in ir.splitlines():
        # "  %3 = sin f8 %2"
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=" and parts[2] in _NUMEXPR_VML_OPS:
            return True
    return False


def getExprNames(text, context=None, sanitize=True):
    """(sorted variable names, uses VML) like numexpr's getExprNames: the
    second is True when VML is available and the expression has an
    operation that numexpr would compute with VML."""
    if sanitize:
        _check_sanitized(text)
    names = sorted(set(_nejit.variable_names(text)))
    return names, bool(_utils.use_vml) and _uses_numexpr_vml_op(text, names)


def getArguments(names, local_dict=None, global_dict=None, _frame_depth=2):
    """The values of names from the dicts or the caller's frame, as arrays."""
    frame = sys._getframe(_frame_depth)
    if local_dict is None:
        local_dict = frame.f_locals
    if global_dict is None:
        global_dict = frame.f_globals
    arguments = []
    for name in names:
        try:
            a = local_dict[name]
        except KeyError:
            a = global_dict[name]
        arguments.append(numpy.asarray(a))
    return arguments


# numexpr's signature types -> nejit dtype codes. A Python ``float`` in a
# NumExpr signature means float32 (numexpr's "float" kind); numpy.double is
# float64.
_SIG_TYPES = {bool: "b1", numpy.bool_: "b1", int_: "i4", long_: "i8",
              float: "f4", double: "f8", numpy.float32: "f4",
              complex: "c16", numpy.complex128: "c16", bytes: "S", str: "S",
              int: "i8"}
_KIND_CODES = {"bool": "b1", "int": "i4", "long": "i8", "float": "f4",
               "double": "f8", "complex": "c16", "bytes": "S", "str": "S"}


def _dtype_code(t):
    """nejit's dtype code for a signature type (numexpr's spelling, a numpy
    dtype, or a nejit code such as 'f8')."""
    try:
        if t in _SIG_TYPES:
            return _SIG_TYPES[t], 0
    except TypeError:
        pass
    if isinstance(t, str) and t in _KIND_CODES:
        return _KIND_CODES[t], 0
    dt = numpy.dtype(t)
    return _numpy_code(dt)


def _numpy_code(dt):
    """nejit's dtype code for a numpy dtype, with numexpr's mapping."""
    k, size = dt.kind, dt.itemsize
    if k == "b":
        return "b1", 0
    if k in "iu":
        return ("i8", 0) if size > 4 or (k == "u" and size == 4) else ("i4", 0)
    if k == "f":
        return ("f8", 0) if size > 4 else ("f4", 0)
    if k == "c":
        return "c16", 0
    if k == "S":
        return "S%d" % size if size else "S", size
    if k == "U":
        raise ValueError("NumExpr 2 does not support Unicode as a dtype.")
    raise ValueError("unknown type %s" % dt.name)


_TYPECODES = {"b1": "b", "i4": "i", "i8": "l", "f4": "f", "f8": "d",
              "c16": "c"}


class NumExpr:
    """A compiled expression with a fixed signature (numexpr.NumExpr).

    ``NumExpr(ex, signature=(), sanitize=True, **kwargs)``: ex is a string
    or an expression built with E; signature is [(name, type)], where (as in
    numexpr) a Python ``float`` means float32 and numpy.double float64;
    undeclared variables are float64 and ordered by name. Call it (or its
    ``run``) with the operands in signature order; keyword arguments out=,
    order='K', casting='safe'.
    """

    def __init__(self, ex, signature=(), sanitize=True, **kwargs):
        context = getContext(kwargs, _frame_depth=1)
        self._optimization = context["optimization"]
        bound = []
        if isinstance(ex, ExpressionNode):
            text, bound = ex._compile_text()
        elif isinstance(ex, str):
            text = ex
            if sanitize:
                _check_sanitized(text)
        else:
            raise TypeError("unsupported expression type: %s" % type(ex))
        hidden = {name for name, _ in bound}
        found = [n for n in _nejit.variable_names(text) if n not in hidden]
        types = dict(signature)
        if signature:
            input_order = [name for name, _ in signature]
            if set(found) != set(input_order):
                raise ValueError(
                    "input names (%s) don't match those found in expression "
                    "(%s)" % (input_order, set(found)))
        else:
            input_order = sorted(set(found))
        sig = []
        for name in input_order:
            code, size = _dtype_code(types.get(name, double))
            sig.append((name, code, size))
        self._constants = []
        for name, value in bound:
            arr = numpy.asarray(value)
            code, size = _numpy_code(arr.dtype)
            sig.append((name, code, size))
            self._constants.append(arr)
        self._kernel = _nejit.compile(
            text, sig, optimization=_OPTIMIZATIONS.index(self._optimization),
            backend=_BACKEND_CODES[context["backend"]])
        self.expression = text
        self.input_names = tuple(input_order)
        self.signature = "".join(
            _TYPECODES.get(code, "s") for _, code, _ in sig[:len(input_order)]
        ).encode("ascii")
        #: Constants nejit binds as hidden inputs (it spells the others as
        #: literals in the expression text).
        self.constants = tuple(c[()] for c in self._constants)

    @property
    def kernel(self):
        """The underlying nejit.Kernel."""
        return self._kernel

    @property
    def result_dtype(self):
        return self._kernel.result_dtype

    def run(self, *args, **kwargs):
        kwargs.pop("ex_uses_vml", None)
        if len(args) != len(self.input_names):
            raise ValueError("number of inputs doesn't match program")
        if self._constants:
            args = args + tuple(self._constants)
        return self._kernel(*args, **kwargs)

    __call__ = run

    def dis(self, stage="opt-ir"):
        return self._kernel.dis(stage)

    def __repr__(self):
        return "<nejit.NumExpr %r %s>" % (self.expression, self.signature)

    # Pickling needs nothing of its own: the attributes pickle, the kernel
    # as its recipe (nejit._recipe). The dask token is that recipe plus the
    # hidden constants' bytes.
    def __dask_tokenize__(self):
        return ("nejit.NumExpr", self._kernel.recipe, self.input_names,
                tuple((c.dtype.str, c.tobytes()) for c in self._constants))


def disassemble(nex):
    """nejit's listing of a NumExpr (or nejit.Kernel): the optimized typed IR,
    one instruction per list item. (numexpr returns its VM's opcodes here;
    nejit has no VM, so the listing is its own.)"""
    kernel = nex.kernel if isinstance(nex, NumExpr) else nex
    return [line for line in kernel.dis("opt-ir").splitlines() if line.strip()]
