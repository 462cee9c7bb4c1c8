"""nejit errors surface as numexpr's Python exception types."""

import threading

import numpy as np
import pytest

import nejit as ne

a = np.arange(5.0)
s = np.array([b"ab", b"cd"])


def test_syntax_error():
    with pytest.raises(SyntaxError):
        ne.evaluate("2*a +")
    assert isinstance(ne.validate("2+"), SyntaxError)


def test_syntax_error_message_has_caret():
    with pytest.raises(SyntaxError) as info:
        ne.evaluate("2*a + * 3")
    assert "^" in str(info.value)


def test_missing_variable_is_key_error():
    with pytest.raises(KeyError):
        ne.evaluate("a + undefined_name_xyz")
    assert isinstance(ne.validate("a + undefined_name_xyz"), KeyError)


def test_unknown_function_is_value_error():
    with pytest.raises((ValueError, TypeError)):
        ne.evaluate("sine(a)")


def test_unknown_keyword():
    with pytest.raises(ValueError, match="Unknown keyword argument 'foo'"):
        ne.evaluate("a", foo=1)
    with pytest.raises(ValueError):
        ne.evaluate("a", optimization="max")
    with pytest.raises(ValueError):
        ne.evaluate("a", truediv="yes")
    ne.evaluate("a", optimization="none", truediv=True)


def test_non_string_expression():
    with pytest.raises(ValueError, match="must specify expression as a string"):
        ne.evaluate(3)


def test_unicode_and_object_arrays():
    u = np.array(["a", "b"])
    o = np.array([object(), object()])
    with pytest.raises(ValueError, match="Unicode"):
        ne.evaluate("u", local_dict={"u": u})
    with pytest.raises(ValueError):
        ne.evaluate("o", local_dict={"o": o})


def test_sanitizer():
    for bad in ("__builtins__", "lambda x: x", "a[0]", "import os;",
                "os. cpu_count()", "(3+1).\u1d47it_length()"):
        with pytest.raises(ValueError, match="forbidden control characters"):
            ne.evaluate(bad)
    c = 2.5 + 1.5j
    ne.evaluate("a*2.e-5 + a*2E+5")
    ne.evaluate("c.real + c.imag")
    ne.evaluate("1.5j + 3.j")


def test_sanitize_false_gives_syntax_error():
    with pytest.raises(SyntaxError):
        ne.evaluate("import os;", sanitize=False)


def test_sanitize_env(monkeypatch):
    monkeypatch.setenv("NUMEXPR_SANITIZE", "0")
    with pytest.raises(SyntaxError):
        ne.evaluate("import os;")
    monkeypatch.setenv("NUMEXPR_SANITIZE", "1")
    with pytest.raises(ValueError):
        ne.evaluate("import os;")


def test_string_arithmetic_not_implemented():
    with pytest.raises((NotImplementedError, TypeError)):
        ne.evaluate("s + s")


def test_string_vs_number_comparison():
    n = np.arange(2, dtype=np.int32)
    with pytest.raises((NotImplementedError, TypeError)):
        ne.evaluate("s >= n")


def test_boolean_keyword_operator_is_type_error():
    x = np.arange(10)
    with pytest.raises(TypeError):
        ne.evaluate("(x > 1) and (x < 9)")


def test_re_evaluate_without_validate_is_runtime_error():
    errors = []

    def worker():
        try:
            ne.re_evaluate(local_dict={"a": a})
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)


def test_error_attributes():
    try:
        ne.evaluate("2*a + sine(a)")
    except Exception as e:  # noqa: BLE001
        assert getattr(e, "column", 0) >= 0
    else:
        pytest.fail("no error for an unknown function")
