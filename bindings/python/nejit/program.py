"""nejit's own API beyond numexpr: multi-statement programs.

``evaluate_program`` runs a program of statements ``name = expression``
separated by ``;`` or newlines, in as few passes over memory as its
dependencies allow (see docs/language.md, "Beyond numexpr")::

    >>> import numpy as np, nejit
    >>> a = np.arange(5.0)
    >>> nejit.evaluate_program("x = a - mean(a); y = x / std(a)")
    {'x': array([-2., -1.,  0.,  1.,  2.]), 'y': array([...])}
    >>> nejit.evaluate_program("t = a * a; u = sin(t); t * t + u")
    array([...])

A program ending in a bare expression returns that one result (its
assignments are temporaries, which live in registers inside the fused
loop); a program ending in an assignment returns every assigned name in a
dict. ``out`` may be an array (one result) or a dict of arrays by name.
"""

import sys

import numpy

from . import _nejit

__all__ = ["evaluate_program"]


def evaluate_program(program, local_dict=None, global_dict=None, out=None,
                     order="K", casting="safe", optimization="aggressive",
                     accuracy=None, _frame_depth=1):
    """Evaluate a multi-statement ``program`` over the variables it reads.

    The variables are looked up in ``local_dict`` then ``global_dict``
    (default: the caller's locals and globals), as numexpr's evaluate does.
    Every input keeps its own shape: each operation broadcasts its operands
    as numpy does, reductions (``sum``, ``mean``, ``std(x, axis=0,
    ddof=1)``, ...) remove their axis or keep it with ``keepdims=True``.
    ``order``, ``casting``, ``optimization`` and ``accuracy`` are those of
    :func:`nejit.evaluate` and :func:`nejit.compile`.
    """
    from . import compile as _compile

    if not isinstance(program, str):
        raise TypeError("program must be a string")
    names = _nejit.variable_names(program)
    if local_dict is None or global_dict is None:
        frame = sys._getframe(_frame_depth)
        if local_dict is None:
            local_dict = frame.f_locals
        if global_dict is None:
            global_dict = frame.f_globals
    arrays, signature = [], []
    for name in names:
        try:
            value = local_dict[name]
        except KeyError:
            try:
                value = global_dict[name]
            except KeyError:
                raise KeyError("variable '%s' is not defined" % name) from None
        array = numpy.asarray(value)
        arrays.append(array)
        signature.append((name, array.dtype))
    kernel = _compile(program, signature, optimization=optimization,
                      accuracy=accuracy)
    return kernel(*arrays, out=out, order=order, casting=casting)
