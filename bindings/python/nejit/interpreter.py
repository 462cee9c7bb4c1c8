"""numexpr.interpreter's names: the compiled-expression type and the
interpreter's constants.

numexpr's interpreter is its C virtual machine; nejit has none, and these
names exist for the code that reads them: ``NumExpr`` (the type of a
compiled expression, necompiler.NumExpr here, running a nejit kernel),
``allaxes`` (the raw axis value of a reduction over every axis), ``maxdims``
(the most dimensions an operand may have: numpy's), ``opcodes`` and
``funccodes`` (numexpr's typed operations and functions, numbered by
nejit), ``MAX_THREADS``, ``use_vml`` and the thread-count functions.
"""

import numpy

from . import utils as _utils
from ._typecompile import funccodes, opcodes
from .necompiler import NumExpr

__all__ = ["NumExpr", "allaxes", "maxdims", "opcodes", "funccodes",
           "MAX_THREADS", "use_vml"]

#: A reduction's axis meaning "all axes" (numexpr.interpreter.allaxes).
allaxes = 255
#: numpy's limit on dimensions (NPY_MAXDIMS: 64 from numpy 2, 32 before).
maxdims = 64 if int(numpy.__version__.split(".")[0]) >= 2 else 32
MAX_THREADS = _utils.MAX_THREADS
__BLOCK_SIZE1__ = 1024


def _set_num_threads(nthreads):
    return _utils.set_num_threads(nthreads)


def _get_num_threads():
    return _utils.get_num_threads()


def __getattr__(name):
    # use_vml loads MKL to answer, so it is computed on first access.
    if name == "use_vml":
        value = _utils.use_vml
        globals()["use_vml"] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
