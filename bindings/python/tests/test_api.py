"""The rest of the numexpr API and nejit's own API."""

import gc
import weakref

import numpy as np
import pytest

import nejit as ne


def test_compile_and_call():
    k = ne.compile("2*a + 3*b", [("a", "f8"), ("b", np.float64)])
    assert isinstance(k, ne.Kernel)
    assert k.result_dtype == np.dtype("float64")
    a = np.arange(5.0)
    b = np.ones(5)
    np.testing.assert_array_equal(k(a, b), 2 * a + 3 * b)
    np.testing.assert_array_equal(k(a, b=b), 2 * a + 3 * b)
    np.testing.assert_array_equal(k(b=b, a=a), 2 * a + 3 * b)
    out = np.empty(5)
    assert k(a, b, out=out) is out
    assert [n for n, _ in k.signature] == ["a", "b"]
    with pytest.raises(TypeError):
        k(a)


def test_compile_dtypes_and_dis():
    k = ne.compile("a + b", [("a", np.int32), ("b", np.float32)])
    assert k.result_dtype == np.dtype("float32")
    for stage in ("ast", "ir", "opt-ir", "llvm", "opt-llvm", "asm"):
        text = k.dis(stage)
        assert isinstance(text, str) and text
    with pytest.raises(ValueError):
        k.dis("bogus")


def test_compile_errors():
    with pytest.raises(SyntaxError):
        ne.compile("a +", [("a", "f8")])
    with pytest.raises(KeyError):
        ne.compile("a + b", [("a", "f8")])


def test_kernel_casts_inputs_safely():
    k = ne.compile("a*2", [("a", "f8")])
    np.testing.assert_array_equal(k(np.arange(3, dtype=np.int32)), [0, 2, 4])
    k32 = ne.compile("a*2", [("a", "f4")])
    with pytest.raises(TypeError):
        k32(np.arange(3.0))  # float64 -> float32 is not 'safe'


def test_cache_stats():
    s = ne.cache_stats()
    for key in ("hits", "misses", "compiles", "entries"):
        assert key in s
    x = np.arange(3.0)
    ne.evaluate("x*17.25 + 1")
    ne.compile("x*17.25 + 1", [("x", "f8")])
    s2 = ne.cache_stats()
    # The run was answered by the JIT's cache or by the interpreter tier.
    assert (s2["hits"] + s2["misses"] + s2["tier1_runs"]
            > s["hits"] + s["misses"] + s["tier1_runs"])


def test_numexpr_object_with_E():
    E = ne.E
    ex = 2.0 * E.a + 3.0 * E.b * E.c
    f = ne.NumExpr(ex, signature=[("a", np.double), ("b", np.double),
                                  ("c", np.double)])
    x = f(np.array([1.0, 2, 3]), np.array([4.0, 5, 6]), np.array([7.0, 8, 9]))
    np.testing.assert_array_equal(x, [86.0, 124.0, 168.0])
    np.testing.assert_array_equal(f.run(np.array([1.0]), np.array([1.0]),
                                        np.array([1.0])), [5.0])


def test_numexpr_python_float_means_float32():
    f = ne.NumExpr("a*2", [("a", float)])
    assert f.signature == b"f"
    r = f(np.arange(3, dtype=np.float32))
    assert r.dtype == np.float32


def test_numexpr_default_order_and_types():
    f = ne.NumExpr("b - a")
    assert f.input_names == ("a", "b")
    np.testing.assert_array_equal(f(np.ones(2), np.full(2, 3.0)), [2.0, 2.0])


def test_numexpr_signature_mismatch():
    with pytest.raises(ValueError):
        ne.NumExpr("a + b", [("a", np.double)])


def test_float32_constant_node():
    from nejit.expressions import ConstantNode
    c = ConstantNode(np.float32(1))
    assert c.astKind == "float"
    r = ne.NumExpr(c).run()
    assert r.dtype == np.float32 and r == 1


def test_disassemble_returns_listing():
    lines = ne.disassemble(ne.NumExpr("x*x + 2", [("x", np.double)]))
    assert isinstance(lines, list) and lines


def test_threads_api():
    old = ne.set_num_threads(2)
    assert ne.get_num_threads() == 2
    assert ne.set_num_threads(old) == 2
    assert ne.set_num_threads(0) == -1
    assert ne.set_num_threads(ne.MAX_THREADS + 1) == -1
    assert ne.detect_number_of_cores() >= 1
    assert 1 <= ne.nthreads <= ne.MAX_THREADS
    assert ne.ncores >= 1


def test_vml_api():
    # numexpr's answers with and without VML (test_vml.py has the rest).
    assert ne.use_vml is ne.vml_status()["available"]
    if ne.use_vml:
        assert ne.get_vml_version().startswith("Intel")
    else:
        assert ne.get_vml_version() is None
    assert ne.set_vml_num_threads(2) is None
    assert ne.get_vml_num_threads() == (2 if ne.use_vml else None)
    ne.set_vml_num_threads(1)
    old = ne.set_vml_accuracy_mode("low")
    assert old in ("high", None)
    assert ne.set_vml_accuracy_mode("fast") == "low"
    x = np.linspace(0, 1, 100)
    np.testing.assert_allclose(ne.evaluate("x*2"), x * 2)
    assert ne.set_vml_accuracy_mode(None) == "fast"
    with pytest.raises(ValueError):
        ne.set_vml_accuracy_mode("medium")


def test_version_and_misc(capsys):
    assert isinstance(ne.__version__, str)
    assert ne.version.version == ne.__version__
    assert ne.__BLOCK_SIZE1__ == 1024
    ne.print_versions()
    assert "nejit" in capsys.readouterr().out


def test_frame_lookup_locals_then_globals():
    a = np.arange(3.0)  # noqa: F841 - found through the frame

    def inner():
        a = np.full(3, 10.0)  # noqa: F841
        return ne.evaluate("a + 1")

    np.testing.assert_array_equal(inner(), [11.0, 11.0, 11.0])
    np.testing.assert_array_equal(ne.evaluate("a + 1"), [1.0, 2.0, 3.0])


def test_frame_depth():
    def helper(expr):
        return ne.evaluate(expr, _frame_depth=4)

    q = np.arange(3.0)  # noqa: F841
    np.testing.assert_array_equal(helper("q*2"), [0.0, 2.0, 4.0])


def test_global_dict_and_local_dict():
    r = ne.evaluate("u + v", local_dict={"u": np.ones(2)},
                    global_dict={"v": np.full(2, 2.0)})
    np.testing.assert_array_equal(r, [3.0, 3.0])


def test_re_evaluate_and_out_weakref():
    a = np.arange(3.0)
    out = np.zeros(3)
    r = ne.evaluate("a + 1", local_dict={"a": a}, out=out)
    assert r is out
    r2 = ne.re_evaluate(local_dict={"a": np.array([4.0, 5.0, 6.0])})
    assert r2 is out
    np.testing.assert_array_equal(out, [5.0, 6.0, 7.0])
    ref = weakref.ref(out)
    del out, r, r2
    gc.collect()
    assert ref() is None


def test_disable_cache():
    a = np.arange(3.0)
    np.testing.assert_array_equal(ne.evaluate("a*2", disable_cache=True),
                                  [0.0, 2.0, 4.0])


def test_utils_and_submodules():
    assert ne.utils.get_vml_num_threads() == (1 if ne.use_vml else None)
    names, uses_vml = ne.necompiler.getExprNames("b*a + c", {})
    assert names == ["a", "b", "c"] and uses_vml is False
