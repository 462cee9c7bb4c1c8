"""nejit for pandas: an eval/query engine and pandas' arithmetic acceleration.

Importing this module registers the engine ``"nejit"``::

    import nejit.pandas
    df.eval("a * b + c", engine="nejit")
    df.query("a > 0 & b < c", engine="nejit")
    pd.eval("x + y", engine="nejit")

It behaves as ``engine="numexpr"`` does — same results, dtypes, exceptions
and warnings — on pandas 2.2 and 3.x: pandas parses and aligns the
expression, the engine hands the text to ``nejit.evaluate`` where numexpr's
engine calls ``numexpr.evaluate``. Expressions over extension-array columns
(``Int64``, ``boolean``, ``Float64``, categoricals, ...) switch to the python
engine with pandas' own RuntimeWarning, as pandas does for numexpr (pandas
applies that fallback only when the engine is called "numexpr", so this
engine applies it itself, with the rule of the running pandas version).

``accelerate()`` makes pandas' elementwise arithmetic, comparisons and
``where`` on large frames (above a million elements, option
``compute.use_numexpr``) run through nejit instead of numexpr, with pandas'
fallbacks to numpy kept; ``restore()`` undoes it. It works whether numexpr
is installed or not.

pandas is imported by this module, not by ``import nejit``.
"""

import os
import sys
import warnings

try:
    import pandas as _pd
except ImportError as _err:  # test_pandas.py's lazy-import test
    raise ImportError(
        "nejit.pandas needs pandas (pip install 'pandas>=2.2'); nejit itself "
        "works without it") from _err

import nejit as _ne

from pandas.core.computation import engines as _engines
from pandas.core.computation import expressions as _expressions
from pandas.core.dtypes.common import (is_extension_array_dtype,
                                       is_string_dtype)

__all__ = ["NejitEngine", "register", "accelerate", "restore",
           "is_accelerated", "AccelerationDisabledWarning", "ENGINE_NAME"]

ENGINE_NAME = "nejit"

_PANDAS_MAJOR = int(_pd.__version__.split(".")[0])
# pandas 3 keeps string-dtype operands on the numexpr engine (its string
# comparisons are evaluated in Python space anyway); pandas 2.2 sends every
# extension dtype to the python engine.
_STRINGS_STAY = _PANDAS_MAJOR >= 3
_normalize = getattr(_expressions, "normalize_numexpr_result", None)

# pandas' own words, so code that filters or matches the warning of
# engine="numexpr" treats engine="nejit" the same.
_EXTENSION_WARNING = (
    "Engine has switched to 'python' because numexpr does not support "
    "extension array dtypes. Please set your engine to python manually.")


def _is_unsupported_extension(dtype):
    if not is_extension_array_dtype(dtype):
        return False
    return not (_STRINGS_STAY and is_string_dtype(dtype))


def _uses_extension_arrays(parsed_expr):
    """pandas.eval's test for switching numexpr to the python engine."""
    terms = parsed_expr.terms
    if _is_unsupported_extension(terms.return_type):
        return True
    operand_types = getattr(terms, "operand_types", None)
    return operand_types is not None and any(
        _is_unsupported_extension(t) for t in operand_types)


_SKIP_DIRS = (os.path.dirname(_pd.__file__), os.path.dirname(_ne.__file__))
_PANDAS_TESTS = os.path.join(os.path.dirname(_pd.__file__), "tests")


def _stacklevel():
    """warnings' stacklevel of the first frame outside pandas and nejit (what
    pandas' find_stack_level does, with nejit's frames skipped as well)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(_SKIP_DIRS) or name.startswith(_PANDAS_TESTS):
            break
        frame = frame.f_back
        level += 1
    return level


class NejitEngine(_engines.AbstractEngine):
    """pandas' eval engine "nejit": the numexpr engine with nejit.evaluate."""

    has_neg_frac = True  # like numexpr: (-8) ** (1/3) is nan, not an error

    def __init__(self, expr):
        super().__init__(expr)
        # The fallback is chosen here, not in an evaluate() override: pandas'
        # alignment warnings point at the first frame outside pandas, which
        # must be the user's, so no nejit frame may sit between pandas.eval
        # and AbstractEngine.evaluate.
        if _uses_extension_arrays(expr):
            warnings.warn(_EXTENSION_WARNING, RuntimeWarning,
                          stacklevel=_stacklevel())
            self.evaluate = _engines.PythonEngine(expr).evaluate

    def _evaluate(self):
        text = self.convert()
        scope = self.expr.env.full_scope
        _engines._check_ne_builtin_clash(self.expr)
        result = _ne.evaluate(text, local_dict=scope)
        return _normalize(result) if _normalize is not None else result


def register():
    """Register (again) the engine "nejit" in pandas; returns its class."""
    _engines.ENGINES[ENGINE_NAME] = NejitEngine
    return NejitEngine


register()


# --- accelerate / restore ----------------------------------------------------

class AccelerationDisabledWarning(UserWarning):
    """pandas' option compute.use_numexpr is off, so accelerate() has no
    effect until it is turned on again."""


_MISSING = object()
_saved = None  # pandas' own expressions state while accelerated
_on = False  # the option's last value seen while accelerated


def _option_on():
    return bool(_pd.get_option("compute.use_numexpr"))


def _warn_disabled():
    because = ""
    if "dask.dataframe" in sys.modules:
        because = (" (importing dask.dataframe sets it to False, to keep "
                   "numexpr's threads from competing with dask's)")
    warnings.warn(
        "pandas' option compute.use_numexpr is False%s: pandas' large-frame "
        "arithmetic stays in numpy and nejit.pandas.accelerate() has no "
        "effect until pd.set_option('compute.use_numexpr', True)" % because,
        AccelerationDisabledWarning, stacklevel=_stacklevel())


def _set_use_nejit(v=True):
    """Stands in for pandas.core.computation.expressions.set_use_numexpr
    while accelerated (pandas' option callback calls it by module
    attribute): chooses pandas' numexpr code paths, which call the module
    global ``ne`` — nejit — and keep pandas' fallbacks to numpy."""
    global _on
    E = _expressions
    v = bool(v)
    was_on, _on = _on, v
    if getattr(E, "NUMEXPR_INSTALLED", False):
        # With numexpr absent, USE_NUMEXPR stays False: pandas reads it to
        # pick pd.eval's default engine, and "numexpr" would then fail.
        E.USE_NUMEXPR = v
    if v:
        E._evaluate = E._evaluate_numexpr
        E._where = E._where_numexpr
    else:
        E._evaluate = E._evaluate_standard
        E._where = E._where_standard
        if was_on and "dask.dataframe" in sys.modules:
            _warn_disabled()


def accelerate():
    """Run pandas' large-frame elementwise operations through nejit.

    pandas (2.2 and 3.x) sends ``+ - * / ** == != < <= > >= & | ^`` on
    frames and series of more than a million elements of int32, int64,
    float32, float64 or bool, and ``where`` on int64, float64 or bool, to
    numexpr when option ``compute.use_numexpr`` is on; after accelerate() it
    sends them to nejit, with pandas' fallbacks kept (a TypeError, or a
    NotImplementedError of a bool ``+ - *``, makes pandas compute with
    numpy). Warns (AccelerationDisabledWarning) when the option is off, and
    when dask.dataframe's import switches it off later. Idempotent;
    ``restore()`` puts pandas' own state back.
    """
    global _saved
    E = _expressions
    if _saved is None:
        _saved = {
            "ne": E.__dict__.get("ne", _MISSING),
            "set_use_numexpr": E.set_use_numexpr,
            "USE_NUMEXPR": E.USE_NUMEXPR,
        }
        E.ne = _ne
        E.set_use_numexpr = _set_use_nejit
    on = _option_on()
    _set_use_nejit(on)
    if not on:
        _warn_disabled()


def restore():
    """Undo accelerate(): pandas uses numexpr again (if installed) or numpy."""
    global _saved
    if _saved is None:
        return
    E = _expressions
    saved, _saved = _saved, None
    if saved["ne"] is _MISSING:
        E.__dict__.pop("ne", None)
    else:
        E.ne = saved["ne"]
    E.set_use_numexpr = saved["set_use_numexpr"]
    E.set_use_numexpr(_option_on())


def is_accelerated():
    """Whether accelerate() is in force (pandas' option may still be off)."""
    return _saved is not None
