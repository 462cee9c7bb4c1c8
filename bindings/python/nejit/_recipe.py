"""Kernels and NumExpr objects as recipes: pickling and dask tokens.

A compiled kernel is machine code in this process's JIT; what crosses to
another process (a dask worker, a multiprocessing child) is its recipe —
expression, signature and options with the accuracy resolved — and the
receiving process rebuilds the kernel from it. Rebuilding goes through a
per-process memo, so unpickling the same recipe in a thousand tasks compiles
(or loads from the on-disk cache) once and then costs a dictionary look-up.

The recipe is also the kernel's dask token: two kernels with the same
recipe compute the same thing, so ``dask.base.tokenize`` of a kernel is
deterministic and equal across processes.
"""

import threading
from collections import OrderedDict

import numpy

from . import _nejit

#: Upper bound of the memo; its kernels stay alive while memoized, so the
#: JIT's own LRU cannot unmap them, hence a bound well below the JIT's 4096.
MEMO_SIZE = 256

_memo = OrderedDict()  # recipe -> Kernel, least recently used first
_memo_lock = threading.Lock()
_memo_stats = {"hits": 0, "builds": 0}


def kernel_recipe(kernel):
    """The recipe of a Kernel: (expression, ((name, dtype str), ...),
    accuracy, optimization, opt_level[, backend]); all plain Python values.
    The backend is there when it is not 'auto' (a libm kernel must be
    rebuilt as one: its bits differ from Sleef's)."""
    options = kernel.options
    sig = tuple((name, numpy.dtype(dt).str) for name, dt in kernel.signature)
    recipe = (kernel.expression, sig, options["accuracy"],
              options["optimization"], int(options["opt_level"]))
    backend = options.get("backend", "auto")
    return recipe if backend == "auto" else recipe + (backend,)


def rebuild_kernel(expression, signature, accuracy, optimization, opt_level,
                   backend="auto"):
    """The Kernel of a recipe, from the memo or compiled (which itself finds
    it in the JIT's memory or disk cache when it can)."""
    key = (expression, tuple(tuple(s) for s in signature), accuracy,
           optimization, int(opt_level), backend)
    with _memo_lock:
        kernel = _memo.get(key)
        if kernel is not None:
            _memo.move_to_end(key)
            _memo_stats["hits"] += 1
            return kernel
    from . import compile as _compile

    kernel = _compile(expression, [(n, numpy.dtype(d)) for n, d in signature],
                      optimization=optimization, accuracy=accuracy,
                      opt_level=opt_level, backend=backend)
    with _memo_lock:
        _memo_stats["builds"] += 1
        _memo[key] = kernel
        _memo.move_to_end(key)
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return kernel


def memo_stats():
    """{'hits', 'builds', 'entries'} of this process's rebuild memo."""
    with _memo_lock:
        return dict(_memo_stats, entries=len(_memo))


def clear_memo():
    with _memo_lock:
        _memo.clear()


def _kernel_reduce(self):
    return rebuild_kernel, kernel_recipe(self)


def _kernel_token(self):
    return ("nejit.Kernel",) + kernel_recipe(self)


def install():
    """Teach nejit.Kernel (a pybind11 class) to pickle as its recipe and to
    give dask a deterministic token."""
    kernel_type = _nejit.Kernel
    kernel_type.__reduce__ = _kernel_reduce
    kernel_type.__dask_tokenize__ = _kernel_token
    kernel_type.recipe = property(kernel_recipe, doc=(
        "(expression, ((name, dtype str), ...), accuracy, optimization, "
        "opt_level): what pickling sends and what rebuilds the kernel"))
