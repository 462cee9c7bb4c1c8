"""NumExpr objects, disassemble, and numexpr.necompiler's Python-level
compiler as numexpr's clients use it.

evaluate / validate / re_evaluate themselves are implemented in C++
(nejit._nejit) and re-exported here. numexpr's clients (PyTables) also
compile through the Python layer: ``stringToExpression`` (text -> an
expressions.ExpressionNode tree they inspect), ``expressionToAST`` and
``typeCompileAst`` (numexpr's typing, whose NotImplementedError says an
operation does not exist), and ``NumExpr(tree, signature)``. A NumExpr made
from a tree compiles the tree's expression text with nejit (the tree already
holds its optimization level's rewrites, so the text is compiled with
``optimization='none'``): it runs nejit's kernel, not an emulation.
"""

import __future__
import sys

import numpy

from . import _nejit
from ._nejit import evaluate, re_evaluate, validate
from ._sanitize import check as _check_sanitized
from . import expressions
from .expressions import ConstantNode, ExpressionNode, OpNode, RawNode, \
    VariableNode
from . import utils as _utils
from ._pyexpr import stringToExpression
from ._typecompile import (ASTNode, expressionToAST, funccodes,
                           kind_to_typecode, opcodes, sigPerms,
                           typeCompileAst, typecode_to_kind)

__all__ = ["NumExpr", "disassemble", "evaluate", "re_evaluate", "validate",
           "getContext", "getExprNames", "getType", "getArguments",
           "stringToExpression", "expressionToAST", "typeCompileAst",
           "ASTNode", "typecode_to_kind", "kind_to_typecode"]

double = numpy.double
int_ = numpy.int32
long_ = numpy.int64

type_to_typecode = {bool: "b", int_: "i", long_: "l", float: "f",
                    double: "d", complex: "c", bytes: "s", str: "s"}
type_to_kind = expressions.type_to_kind
kind_to_type = expressions.kind_to_type
default_type = kind_to_type[expressions.default_kind]
scalar_constant_kinds = list(kind_to_typecode)

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
#: numexpr's list of the operations it gives VML (by node value).
vml_functions = sorted(_NUMEXPR_VML_OPS)


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
        compile_level = self._optimization
        if isinstance(ex, ASTNode):
            ex = _ast_to_expression(ex)
        if isinstance(ex, ExpressionNode):
            _check_typeable(ex)
            text, bound = ex._compile_text()
            # The tree holds its own optimization level's rewrites.
            compile_level = "none"
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
        # numexpr's string programs take strings of any length; a nejit
        # kernel is compiled for item sizes. An unsized bytes input (the
        # type ``bytes``) gets a kernel per item size met at run time; the
        # one compiled now, for size 1, reports type errors up front.
        self._sig = sig
        self._level = _OPTIMIZATIONS.index(compile_level)
        self._backend = _BACKEND_CODES[context["backend"]]
        self._unsized = [i for i, (_, code, size) in enumerate(sig)
                         if code == "S" and size == 0]
        self._sized = {}
        self._kernel = _nejit.compile(
            text, [(n, "S1", 1) if i in self._unsized else (n, c, z)
                   for i, (n, c, z) in enumerate(sig)],
            optimization=self._level, backend=self._backend)
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
        if self._unsized:
            return self._kernel_for(args)(*args, **kwargs)
        return self._kernel(*args, **kwargs)

    def _kernel_for(self, args):
        sizes = tuple(max(1, numpy.asarray(args[i]).dtype.itemsize)
                      for i in self._unsized)
        kernel = self._sized.get(sizes)
        if kernel is None:
            sig = list(self._sig)
            for i, size in zip(self._unsized, sizes):
                sig[i] = (sig[i][0], "S%d" % size, size)
            kernel = _nejit.compile(self.expression, sig,
                                    optimization=self._level,
                                    backend=self._backend)
            self._sized[sizes] = kernel
        return kernel

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


def _check_typeable(ex):
    """numexpr's NotImplementedError ("couldn't find matching opcode for
    'gt_bfc'") for a tree with an operation numexpr does not have; a
    non-operation root is typed as its copy, as numexpr compiles it."""
    ast = expressionToAST(ex)
    if ast.astType != "op":
        ast = ASTNode("op", ast.astKind, "copy", (ast,))
    typeCompileAst(ast)


_FUNC_NAMES = {code: name.decode("ascii").rsplit("_", 1)[0]
               for name, code in funccodes.items()}


def _ast_to_expression(ast):
    """The ExpressionNode tree of an ASTNode tree, typed or not: typed
    operations lose their signature suffix (b'add_ddd' -> 'add'), casts
    are dropped (nejit's promotion inserts them again) and b'func_ddn'
    takes its function's name from its raw last child."""
    def make(node, kids):
        if node.astType == "variable":
            return VariableNode(node.value, node.astKind)
        if node.astType == "constant":
            c = ConstantNode(node.value)
            c.astKind = node.astKind
            return c
        if node.astType == "raw":
            return RawNode(node.value)
        value = node.value
        if isinstance(value, bytes):
            value = value.decode("ascii").rsplit("_", 1)[0]
            if value == "cast":
                return kids[0]
            if value == "func":
                value, kids = _FUNC_NAMES[kids[-1].value], kids[:-1]
        return OpNode(value, kids, kind=node.astKind)

    from ._typecompile import _rebuild
    return _rebuild(ast, make)


def disassemble(nex):
    """nejit's listing of a NumExpr (or nejit.Kernel): the optimized typed IR,
    one instruction per list item. (numexpr returns its VM's opcodes here;
    nejit has no VM, so the listing is its own.)"""
    kernel = nex.kernel if isinstance(nex, NumExpr) else nex
    return [line for line in kernel.dis("opt-ir").splitlines() if line.strip()]
