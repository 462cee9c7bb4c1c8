"""nejit: numexpr-style array expressions compiled to native code by LLVM.

``import nejit as ne`` is a drop-in for numexpr 2.14.2::

    >>> import numpy as np, nejit as ne
    >>> a = np.arange(5.0); b = np.ones(5)
    >>> ne.evaluate("2*a + 3*b")
    array([ 3.,  5.,  7.,  9., 11.])

and nejit's own API sits beside it::

    >>> k = ne.compile("2*a + 3*b", [("a", "f8"), ("b", "f8")])
    >>> k(a, b=b), k.result_dtype
    >>> print(k.dis("opt-ir"))
"""

import os as _os

# nejit runs its threads on LLVM's libomp; a process may also hold another
# KMP-family runtime (MKL's libiomp5, a second libomp). Whichever of two
# initializes second aborts with "OMP: Error #15" unless this is set. For
# nejit's copy the check guards nothing: it is loaded RTLD_LOCAL by this
# extension alone (in a wheel under its own soname, nejit.libs/libomp-*),
# only nejit's code binds to it, and no OpenMP object (lock, threadprivate,
# team) crosses between the runtimes; each keeps its own pool, nejit's sized
# by set_num_threads. Set before the first parallel region, which is when
# libomp reads it; a value the user chose is kept (docs/design.md, "OpenMP
# runtimes in one process").
_os.environ.setdefault("KMP_DUPLICATE_LIB_OK", "TRUE")

from . import _nejit
from ._nejit import Kernel, evaluate, re_evaluate, release_memory, validate
from . import _recipe, expressions, utils, version, necompiler, interpreter
from .expressions import E
from .necompiler import NumExpr, disassemble
from .program import evaluate_program
from ._patch import numexpr_patched, patch_numexpr, unpatch_numexpr
from .utils import (MAX_THREADS, _init_num_threads, detect_number_of_cores,
                    detect_number_of_threads, get_num_threads,
                    get_vml_num_threads, get_vml_version, set_num_threads,
                    set_vml_accuracy_mode, set_vml_num_threads, vml_status)

__all__ = [
    # numexpr's API
    "evaluate", "re_evaluate", "validate", "NumExpr", "disassemble", "E",
    "set_num_threads", "get_num_threads", "detect_number_of_cores",
    "detect_number_of_threads", "set_vml_accuracy_mode",
    "set_vml_num_threads", "get_vml_version", "print_versions", "test",
    "ncores", "nthreads", "MAX_THREADS", "use_vml", "__version__",
    # nejit's own
    "compile", "Kernel", "cache_stats", "clear_cache", "variable_names",
    "evaluate_program",
    "release_memory", "pool_stats",
    "vml_status",
    "set_tier", "get_tier", "get_cpu",
    "patch_numexpr", "unpatch_numexpr", "numexpr_patched",
]


def __getattr__(name):
    # use_vml loads MKL to answer, so it is computed on first access rather
    # than at import (PEP 562); see utils.py.
    if name == "use_vml":
        value = utils.use_vml
        globals()["use_vml"] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

__version__ = version.version
# Kernels pickle as their recipe and have a deterministic dask token.
_recipe.install()
__BLOCK_SIZE1__ = 1024
is_cpu_amd_intel = False  # numexpr keeps this deprecated flag

#: Number of cores detected at import.
ncores = detect_number_of_cores()
#: Threads chosen at import (numexpr's rules: NUMEXPR_NUM_THREADS,
#: OMP_NUM_THREADS, else min(ncores, 16)); not updated by set_num_threads.
nthreads = _init_num_threads()

_OPTIMIZATIONS = ("none", "moderate", "aggressive")
_ACCURACIES = {"high": 0, "low": 1, "fast": 2}


_BACKENDS = necompiler._BACKEND_CODES


def compile(expr, signature, *, optimization="aggressive", accuracy=None,
            opt_level=2, backend="auto"):
    """Compile ``expr`` for a signature and return a :class:`Kernel`.

    ``signature`` is a list of ``(name, dtype)`` pairs (or a dict) in the
    order the kernel takes its arguments; a dtype is anything numpy.dtype
    accepts ('f8', numpy.float32, bool, 'S5', ...) and is mapped to the kind
    nejit computes in the way numexpr maps it (int16 -> int32,
    uint32 -> int64, float16 -> float32, complex64 -> complex128).
    ``optimization`` is numexpr's ('none', 'moderate', 'aggressive');
    ``accuracy`` is 'high', 'low', 'fast' or None (the current
    set_vml_accuracy_mode); ``opt_level`` is LLVM's, 0..3; ``backend`` is
    the math library for transcendental functions: 'auto' (VML where it
    measured better on this CPU and MKL is available, see docs/accuracy.md),
    'sleef' (Sleef for every function, also those nejit has its own of),
    'vml' (every function VML covers; RuntimeError without MKL),
    or 'libm' (the C library's functions and numexpr's complex formulas:
    bit-identical to numexpr; docs/accuracy.md). NEJIT_MATH_BACKEND=libm
    (or sleef, vml) makes that the choice of 'auto'.

    The kernel is callable with arrays positionally or by name (keywords
    out=, order='K', casting='safe'), has ``result_dtype`` (a numpy dtype),
    ``signature``, ``reduction``, ``reduction_axis`` and ``dis(stage)`` with
    stage in 'ast', 'ir', 'opt-ir', 'kernel-ir', 'llvm', 'opt-llvm', 'asm'
    ('kernel-ir': the kernel as cached, literals lifted into parameters).
    Compiled kernels are cached process-wide (and on disk by the C++ core).
    """
    import numpy

    if isinstance(signature, dict):
        signature = list(signature.items())
    sig = []
    for item in signature:
        name, dtype = item
        code, size = necompiler._numpy_code(numpy.dtype(dtype))
        sig.append((str(name), code, size))
    if optimization not in _OPTIMIZATIONS:
        raise ValueError("'optimization' must be one of %s" % (_OPTIMIZATIONS,))
    if accuracy is None:
        acc = -1
    elif accuracy in _ACCURACIES:
        acc = _ACCURACIES[accuracy]
    else:
        raise ValueError("accuracy must be one of None, 'high', 'low', 'fast'")
    if backend not in _BACKENDS:
        raise ValueError(
            "backend must be one of 'auto', 'sleef', 'vml', 'libm'")
    return _nejit.compile(expr, sig, accuracy=acc,
                          optimization=_OPTIMIZATIONS.index(optimization),
                          opt_level=int(opt_level),
                          backend=_BACKENDS[backend])


def pool_stats():
    """Bounds and counters of the result-buffer pool: large results are
    allocated through nejit's numpy memory handler and their buffers reused
    once the arrays die (``NEJIT_POOL=0`` turns it off; ``release_memory()``
    empties it). Keys: enabled, threshold, max_bytes, max_entries,
    pooled_bytes, pooled_entries, mapped_buffers, reused, mapped, unmapped,
    returned."""
    return dict(_nejit._pool_stats())


def cache_stats():
    """Counters of the JIT cache as a dict: hits, misses, disk_hits,
    compiles, evictions, entries, code_bytes, compile_seconds; of the tiers:
    tier1_runs (runs the interpreter answered), background_compiles (kernels
    the background compiler finished), swaps (kernels that moved from the
    interpreter to their JIT code); plus evaluate_expressions, the
    expressions held by evaluate()'s own per-expression cache."""
    stats = dict(_nejit.cache_stats())
    stats["evaluate_expressions"] = _nejit._expr_cache_size()
    return stats


_TIERS = ("auto", "interp", "jit")


def set_tier(tier):
    """Choose which code runs kernels and return the previous choice:
    'auto' (the default: the interpreter, which needs no compilation, until
    a kernel proves hot and its JIT code, compiled in the background, is
    ready), 'interp' (the interpreter wherever it can run a kernel) or
    'jit' (always compiled code). Results are the same in every tier. The
    environment variable NEJIT_TIER sets the initial choice."""
    if tier not in _TIERS:
        raise ValueError("tier must be one of %s" % (_TIERS,))
    return _TIERS[_nejit.set_tier(_TIERS.index(tier))]


def get_tier():
    """The current tier: 'auto', 'interp' or 'jit' (see set_tier)."""
    return _TIERS[_nejit.get_tier()]


def get_cpu():
    """The CPU nejit generates code for, e.g. 'znver3': the one the
    environment variable NEJIT_CPU names (an LLVM cpu name such as
    'x86-64-v2'; read once, at the first compile), else this machine's own.
    Raises ValueError when NEJIT_CPU names an unknown CPU or one whose
    features this machine lacks."""
    return _nejit.target_cpu()[0]


def clear_cache():
    """Drop every compiled kernel held in memory (and evaluate()'s cache)."""
    _nejit._clear_expr_cache()
    _nejit.clear_cache()


def variable_names(expr):
    """The variables of ``expr`` in order of first appearance."""
    return _nejit.variable_names(expr)


def print_versions():
    """Print the versions of nejit and what it relies on."""
    import os
    import platform
    import sys

    import numpy

    print("-=" * 38)
    print("nejit version:     %s" % __version__)
    print("nejit core:        %s" % _nejit.version_string())
    print("numexpr API:       %s" % version.numexpr_compat_version)
    print("NumPy version:     %s" % numpy.__version__)
    print("Python version:    %s" % sys.version)
    uname = platform.uname()
    print("Platform:          %s-%s-%s" % (sys.platform, uname.machine,
                                            uname.version))
    try:
        cpu, features, bits = _nejit.target_cpu()
        print("Target CPU:        %s (%s; %d-bit vectors)"
              % (cpu, os.environ.get("NEJIT_CPU") or "native", bits))
        print("Target features:   %s" % features)
    except ValueError as exc:
        print("Target CPU:        refused: %s"
              % str(exc).replace("<expr>: error: ", ""))
    print("VML available?     %s" % utils.use_vml)
    if utils.use_vml:
        print("VML/MKL version:   %s" % get_vml_version())
    print("Number of threads used by default: %d (out of %d detected cores)"
          % (nthreads, ncores))
    print("Maximum number of threads: %s" % MAX_THREADS)
    print("-=" * 38)


def test(verbosity=1):
    """Run nejit's self-test (a quick check against numpy) and return the
    unittest result."""
    import unittest

    from . import _selftest

    print_versions()
    suite = unittest.defaultTestLoader.loadTestsFromModule(_selftest)
    return unittest.TextTestRunner(verbosity=verbosity).run(suite)
