"""numexpr's Python-level compiler as nejit provides it, against numexpr
2.14.2 itself: stringToExpression's trees (types, kinds, values, shape),
typeCompileAst's typed trees and errors, and NumExpr objects built from
trees, whose results (computed by nejit's kernels) must equal numexpr's.
"""

import itertools

import numpy as np
import pytest

import nejit
from nejit import expressions as NX
from nejit import necompiler as NN

numexpr = pytest.importorskip("numexpr")
import numexpr.expressions as RX  # noqa: E402
import numexpr.necompiler as RN  # noqa: E402

TYPES = {"i": np.int32, "l": np.int64, "f": float, "d": np.double,
         "c": complex, "b": bool, "s": bytes}
EXPRESSIONS = [
    "a + b", "a * b", "a / b", "a // b", "a % b", "a ** b", "a ** 2",
    "a ** 2.5", "a ** -3", "a ** 0", "a**0.5", "a ** 3.0", "a ** -1",
    "a < b", "a <= b", "a == b", "a != b", "-a", "~a", "a & b", "a | b",
    "a ^ b", "a << b", "sin(a)", "abs(a)", "sqrt(a)", "where(a > 0, a, b)",
    "a + 3", "3 - a", "2 * 3 + a", "a / 3.0", "a / 3", "1 / a", "a.real",
    "a.imag", "complex(a, b)", "round(a)", "sign(a)", "ceil(a)",
    "minimum(a, b)", "isnan(a)", "contains(a, b)", "sum(a)",
    "sum(a, axis=0)", "prod(a, 1)", "a + 2**40", "a * 1.5j", "a + True",
    "a > 'x'", "(a > 1) & (b < 2)", "conj(a)", "copy(a)", "ones_like(a)",
    "arctan2(a, b)", "a ** 2 + b ** 2", "fmod(a, b)", "a - -3",
    "a + (-3.5)", "a * nan", "b + inf", "0 < a < 1", "a and b",
    "where(True, a, b)",
]
CONTEXTS = [{}, {"optimization": "moderate"}, {"optimization": "aggressive"}]


def shape(node):
    """A comparable picture of a tree (a raw function number is left out:
    numexpr numbers functions per signature group, nejit globally)."""
    if node.astType == "raw":
        return ("raw",)
    value = node.value
    if node.astType == "constant":
        value = (type(value).__name__, repr(value))
    return (node.astType, node.astKind, value,
            tuple(shape(c) for c in node.children))


def build(module, ex, typemap, context):
    # numexpr's thread-local build context keeps the last level it was
    # given (it "restores" a dict into itself); nejit restores it. Start
    # numexpr from a clean context so both see only this call's.
    RX._context.__dict__.clear()
    try:
        tree = module.stringToExpression(ex, typemap, context)
    except Exception as e:
        return type(e).__name__, None, None
    try:
        typed = shape(module.typeCompileAst(module.expressionToAST(tree)))
    except Exception as e:
        typed = "%s: %s" % (type(e).__name__, e)
    return shape(tree), typed, tree


@pytest.mark.parametrize("ex", EXPRESSIONS)
def test_trees_and_typing_match_numexpr(ex):
    mismatches = []
    for ta, tb in itertools.product(TYPES, repeat=2):
        typemap = {"a": TYPES[ta], "b": TYPES[tb]}
        for context in CONTEXTS:
            want = build(RN, ex, typemap, context)[:2]
            got = build(NN, ex, typemap, context)[:2]
            if want != got:
                mismatches.append((ta, tb, context, want, got))
    assert not mismatches, mismatches[:3]


def operand(code, rng, n=64):
    if code == "b":
        return rng.random(n) < 0.5
    if code == "s":
        return np.array([b"x", b"yz", b"abc", b""] * (n // 4))
    if code == "c":
        return rng.standard_normal(n) + 1j * rng.standard_normal(n)
    dtype = {"i": np.int32, "l": np.int64, "f": np.float32,
             "d": np.float64}[code]
    if code in "il":
        return rng.integers(1, 20, n).astype(dtype)
    return (rng.random(n) * 4 - 1).astype(dtype)


@pytest.mark.parametrize("ex", EXPRESSIONS)
def test_numexpr_objects_from_trees_compute_numexpr_results(ex):
    """NumExpr(tree, signature) runs a nejit kernel: its result has
    numexpr's dtype and values (transcendental functions within a few
    ulps of numexpr's libm)."""
    rng = np.random.default_rng(abs(hash(ex)) % 2**32)
    checked = 0
    for ta, tb in itertools.product("ilfdcbs", repeat=2):
        typemap = {"a": TYPES[ta], "b": TYPES[tb]}
        _, _, ref_tree = build(RN, ex, typemap, {"optimization": "aggressive"})
        _, _, tree = build(NN, ex, typemap, {"optimization": "aggressive"})
        if ref_tree is None:
            assert tree is None
            continue
        names = sorted({n.value for n in RN.expressionToAST(ref_tree)
                        .allOf("variable")})
        # (nan and inf are variables to numexpr, of the default double)
        signature = [(n, typemap.get(n, NN.double)) for n in names]
        try:
            ref = RN.NumExpr(ref_tree, signature)
        except Exception as e:
            with pytest.raises(type(e)):
                NN.NumExpr(tree, signature)
            continue
        f = NN.NumExpr(tree, signature)
        args = [operand({"a": ta, "b": tb}.get(n, "d"), rng) for n in names]
        with np.errstate(all="ignore"):
            try:
                want = ref.run(*args)
            except Exception as e:
                with pytest.raises(type(e)):
                    f.run(*args)
                continue
            got = f.run(*args)
        assert got.dtype == want.dtype, (ex, ta, tb)
        if want.dtype.kind in "fc":
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-300,
                                       equal_nan=True, err_msg=ex)
        else:
            np.testing.assert_array_equal(got, want, err_msg=ex)
        checked += 1
    # (no input makes these run: Python's 'and', a 1-d prod over axis 1)
    assert checked or ex in ("a and b", "0 < a < 1", "prod(a, 1)")


def test_pytables_style_condition():
    # What tables.conditions.compile_condition does with a condition.
    typemap = {"x": NN.int_, "y": float, "s": bytes, "flag": bool}
    cond = "(x > 100) & (y == 3) | ~flag & (s == b'ab')"
    tree = NN.stringToExpression(cond, typemap, {})
    assert tree.astKind == "bool" and tree.value == "or"
    left, right = tree.children
    assert (left.value, left.children[0].value) == ("and", "gt")
    var, const = left.children[0].children
    assert (var.astType, var.value, var.astKind) == ("variable", "x", "int")
    assert (const.astType, const.value, const.astKind) == ("constant", 100,
                                                           "int")
    assert "sin" in NN.expressions.functions
    assert NN.typecode_to_kind["f"] == "float"
    f = NN.NumExpr(tree, [(n, typemap[n]) for n in ("flag", "s", "x", "y")])
    assert isinstance(f, nejit.interpreter.NumExpr)
    x = np.array([50, 150, 150, 150], np.int32)
    y = np.array([3, 3, 4, 4], np.float32)
    flag = np.array([True, True, False, True])
    s = np.array([b"ab", b"ab", b"ab", b"ab"])
    np.testing.assert_array_equal(f(flag, s, x, y, ex_uses_vml=False),
                                  [False, True, True, False])
    # strings of another length get their own kernel
    s2 = np.array([b"ab", b"abc", b"ab", b"abcd"])
    np.testing.assert_array_equal(f(flag, s2, x, y), [False, True, True,
                                                      False])
    with pytest.raises(NotImplementedError,
                       match="couldn't find matching opcode for 'gt_bbc'"):
        NN.NumExpr(NN.stringToExpression("flag > 1j", typemap, {}),
                   [("flag", bool)])


def test_typed_and_untyped_ast_compile():
    tree = NN.stringToExpression("a * 2 + sin(b)", {"a": NN.int_}, {})
    a = np.arange(5, dtype=np.int32)
    b = np.linspace(0, 1, 5)
    want = NN.NumExpr(tree, [("a", NN.int_), ("b", NN.double)])(a, b)
    for ast in (NN.expressionToAST(tree),
                NN.typeCompileAst(NN.expressionToAST(tree))):
        got = NN.NumExpr(ast, [("a", NN.int_), ("b", NN.double)])(a, b)
        np.testing.assert_array_equal(got, want)


def test_interpreter_names():
    from nejit import interpreter
    import numexpr.interpreter as RI
    assert interpreter.allaxes == RI.allaxes
    assert interpreter.maxdims == RI.maxdims
    assert set(interpreter.opcodes) == set(RI.opcodes)
    assert set(interpreter.funccodes) == set(RI.funccodes)
    assert interpreter.MAX_THREADS == RI.MAX_THREADS


def test_functions_is_numexprs_dict():
    assert set(NX.functions) == set(RX.functions)
    assert NX.functions.sin is NX.functions["sin"]   # nejit's spelling too
    assert str(NX.functions["sum"](NX.E.a, axis=1)) == "sum(a, axis=1)"
