"""nejit over dask arrays: ``nejit.dask.evaluate``.

    import dask.array as da, nejit.dask
    x = da.random.random((8000, 8000), chunks=2000)
    y = da.random.random((8000,), chunks=1000)
    z = nejit.dask.evaluate("2*x + sin(y)**2")            # lazy dask array
    s = nejit.dask.evaluate("sum(where(x > y, x, 0), axis=1)")

The expression is compiled once, in the calling process, for the operands'
dtypes (numexpr's type rules: ``sum`` of int32 stays int32). Its result dtype
and meta come from the compiled kernel; dask never runs it on dummy data.

* Elementwise expressions become one ``da.blockwise`` over numpy-style
  trailing indices with dask's chunk alignment: operands with different
  chunks are rechunked to common ones, and dimensions of length 1 broadcast
  as in numpy. Each task runs the kernel on its blocks.
* ``sum``/``prod``/``min``/``max`` (with or without ``axis``) run the whole
  kernel — the elementwise part fused into the reduction — on every block
  set, giving one partial per block, which a tree reduction
  (``da.reduction``) combines with a kernel of the same reduction over the
  partials, so results follow nejit's (numexpr's) semantics, NaN handling of
  min/max included.

The kernel crosses to workers by pickle as its recipe and is rebuilt there
once per process (nejit._recipe). dask is imported by this module, not by
``import nejit``.

Threads: nejit's thread count is per process. A distributed worker started
by a nanny has ``OMP_NUM_THREADS=1`` in its environment (dask's default), so
nejit computes each task on one thread and the worker's task threads give
the parallelism. Under dask's threaded scheduler, concurrent tasks each use
``nejit.get_num_threads()`` threads for blocks of 32,768 elements or more;
that is correct but can oversubscribe the cores — see docs/integrations.md.
"""

import os
import sys

try:
    import dask.array as da
except ImportError as _err:  # test_pandas.py's lazy-import test
    raise ImportError(
        "nejit.dask needs dask's array support (pip install 'dask[array]'); "
        "nejit itself works without it") from _err

import numpy as np

import nejit as _ne
from nejit import _recipe
from nejit._sanitize import check as _check_sanitized

__all__ = ["evaluate"]

_KWARGS = {"optimization", "truediv", "sanitize"}


class _Blocks:
    """A dask task function: the kernel over one set of aligned blocks.

    ``reduced_axes`` is None for elementwise kernels; for reductions, the
    axes the kernel reduces, which the partial keeps as length 1 (so the
    partials line up with the blocks they came from). It pickles as the
    kernel's recipe.
    """

    def __init__(self, kernel, ndim, reduced_axes):
        self.kernel = kernel
        self.ndim = ndim
        self.reduced_axes = reduced_axes

    def __call__(self, *blocks):
        result = self.kernel(*blocks)
        if self.reduced_axes is None:
            return result
        if len(self.reduced_axes) == self.ndim:
            return result.reshape((1,) * self.ndim)
        return np.expand_dims(result, self.reduced_axes)

    def __dask_tokenize__(self):
        return ("nejit.dask._Blocks", self.kernel.recipe, self.ndim,
                self.reduced_axes)

    def __repr__(self):
        return "nejit-block(%r)" % self.kernel.expression


class _Combine:
    """da.reduction's combine/aggregate: a nejit reduction of partials."""

    def __init__(self, op, dtype, ndim, accuracy):
        self.op = op
        self.dtype = np.dtype(dtype)
        self.ndim = ndim
        self.accuracy = accuracy

    def _kernel(self, axis):
        text = "%s(p)" % self.op if axis is None else \
            "%s(p, axis=%d)" % (self.op, axis)
        # Through the recipe memo: a worker compiles it once per process.
        return _recipe.rebuild_kernel(text, (("p", self.dtype.str),),
                                      self.accuracy, "aggressive", 2)

    def __call__(self, x, axis=None, keepdims=False, **_):
        x = np.asarray(x)
        axes = tuple(range(x.ndim)) if axis is None else tuple(
            a % x.ndim for a in np.atleast_1d(axis))
        if len(axes) == x.ndim:
            result = self._kernel(None)(x)
            return result.reshape((1,) * x.ndim) if keepdims else result
        if len(axes) != 1:  # never produced by evaluate(): one axis or all
            raise AssertionError("nejit.dask: reduce over %r" % (axes,))
        result = self._kernel(axes[0])(x)
        return np.expand_dims(result, axes) if keepdims else result

    def __dask_tokenize__(self):
        return ("nejit.dask._Combine", self.op, self.dtype.str, self.ndim,
                self.accuracy)


def _identity(x, axis=None, keepdims=True, **_):
    return x


def _lookup(names, local_dict, global_dict):
    """Operands by name: dask arrays as they are, anything else through
    numpy.asarray (numexpr's conversion). Missing names map to None."""
    values = {}
    for name in names:
        if name in local_dict:
            value = local_dict[name]
        elif name in global_dict:
            value = global_dict[name]
        else:
            values[name] = None
            continue
        if not isinstance(value, da.Array):
            value = np.asarray(value)
        values[name] = value
    return values


def _compile(ex, values, optimization):
    # A missing name is compiled as float64, as numexpr types unknown names;
    # it is an error only if the expression still reads it after folding.
    sig = [(name, np.dtype("f8") if v is None else v.dtype)
           for name, v in values.items()]
    kernel = _ne.compile(ex, sig, optimization=optimization)
    used = set(kernel.used_inputs)
    for name, value in values.items():
        if value is None:
            if name in used:
                raise KeyError(name)
            values[name] = np.zeros((), "f8")
    return kernel


def _check_kwargs(kwargs):
    if "out" in kwargs:
        raise ValueError("nejit.dask.evaluate returns a new dask array; "
                         "out= is not supported (store the result with "
                         "dask.array.store)")
    for key in kwargs:
        if key not in _KWARGS:
            raise ValueError("Unknown keyword argument '%s'" % key)
    optimization = kwargs.get("optimization", "aggressive")
    if optimization not in ("none", "moderate", "aggressive"):
        raise ValueError("'optimization' must be one of %s"
                         % (("none", "moderate", "aggressive"),))
    if kwargs.get("truediv", "auto") not in (False, True, "auto"):
        raise ValueError("'truediv' must be one of (False, True, 'auto')")
    return optimization


def evaluate(ex, local_dict=None, global_dict=None, **kwargs):
    """Evaluate the numexpr expression ``ex`` lazily over dask arrays.

    Operands are looked up as numexpr's evaluate looks them up
    (``local_dict``, else the caller's locals; then ``global_dict``, else
    the caller's globals); they may be dask arrays, numpy arrays or scalars.
    Keyword arguments are numexpr's ``optimization``, ``truediv`` and
    ``sanitize``. Errors (syntax, types, unknown functions; a reduction
    that is not outermost, which nejit.evaluate computes but a blockwise
    graph cannot: NotImplementedError) are raised here, before any graph is
    built.
    Returns a dask array.
    """
    if not isinstance(ex, str):
        raise TypeError("nejit.dask.evaluate: the expression must be a str")
    optimization = _check_kwargs(kwargs)
    sanitize = kwargs.get("sanitize")
    if sanitize is None:  # numexpr reads NUMEXPR_SANITIZE at every call
        sanitize = os.environ.get("NUMEXPR_SANITIZE", "1") != "0"
    if sanitize:
        _check_sanitized(ex)
    frame = sys._getframe(1)
    local_dict = frame.f_locals if local_dict is None else local_dict
    global_dict = frame.f_globals if global_dict is None else global_dict
    del frame

    values = _lookup(_ne.variable_names(ex), local_dict, global_dict)
    kernel = _compile(ex, values, optimization)
    if kernel.is_plan:
        # nejit's extensions (a reduction inside an expression) run as
        # passes over whole arrays; blocks evaluated one by one would each
        # reduce only themselves.
        raise NotImplementedError(
            "nejit.dask.evaluate: a reduction inside an expression (beyond "
            "numexpr) is not supported over dask arrays; evaluate the "
            "reduction on its own")
    dtype = kernel.result_dtype
    operands = list(values.values())
    if not any(isinstance(v, da.Array) for v in operands):
        operands = [da.asarray(v) for v in operands]
    shape = np.broadcast_shapes(*(v.shape for v in operands))
    ndim = len(shape)

    reduction = kernel.reduction
    if reduction is None or ndim == 0:
        return _blockwise(kernel, operands, ndim, None, dtype)
    axis = kernel.reduction_axis
    if axis is not None and axis >= ndim:
        raise ValueError("reduction axis is out of bounds")  # numexpr's words
    if 0 in shape:
        # numexpr's reduction of an empty operand is an empty array of the
        # operands' shape, whatever the axis.
        return da.empty(shape, dtype=dtype)
    reduced = tuple(range(ndim)) if axis is None else (axis,)
    partials = _blockwise(kernel, operands, ndim, reduced, dtype)
    combine = _Combine(reduction, dtype, ndim, kernel.options["accuracy"])
    return da.reduction(
        partials, chunk=_identity, combine=combine, aggregate=combine,
        axis=reduced, keepdims=False, dtype=dtype,
        concatenate=True, meta=np.empty((0,) * (ndim - len(reduced)), dtype),
        name="nejit-" + reduction)


def _blockwise(kernel, operands, ndim, reduced, dtype):
    """One task per set of aligned blocks (numpy's trailing-dimension
    broadcasting); with ``reduced``, each block's partial keeps the reduced
    axes as length 1."""
    out_ind = tuple(range(ndim))
    args = []
    for value in operands:
        if value.ndim == 0 and not isinstance(value, da.Array):
            args += [value, None]
        else:
            if not isinstance(value, da.Array):
                value = da.asarray(value)
            args += [value, out_ind[ndim - value.ndim:]]
    adjust = None
    if reduced is not None:
        adjust = {i: 1 for i in reduced}
    return da.blockwise(
        _Blocks(kernel, ndim, reduced), out_ind, *args, dtype=dtype,
        meta=np.empty((0,) * ndim, dtype), align_arrays=True,
        concatenate=True, adjust_chunks=adjust, token="nejit-evaluate")
