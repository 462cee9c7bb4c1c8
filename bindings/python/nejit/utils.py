"""Thread and VML settings, numexpr.utils-compatible.

nejit runs kernels on OpenMP threads inside its C++ runtime; these functions
keep numexpr's names, environment variables and return values on top of it.

Transcendental functions come from Sleef or, when Intel MKL is installed
(``pip install mkl``, or ``pip install nejit[mkl]``), from MKL's VML. MKL is
looked for in ``NEJIT_MKL_LIB``, else in this interpreter's prefix, and
loaded on first need (``use_vml``, ``get_vml_version()`` or a kernel that
calls VML); ``NEJIT_VML=0`` turns it off, ``NEJIT_VML=1`` gives VML every
function it covers. The accuracy mode maps to VML's HA/LA/EP modes and to
Sleef's u10/u35/fastest variants.
"""

import logging
import os
import sys

from . import _nejit, version

log = logging.getLogger(__name__)


def _register_prefixes():
    # Where `pip install mkl` puts libmkl_rt: {sys.prefix}/lib (a venv's own
    # prefix first, then the interpreter it was made from).
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix,
                                 sys.exec_prefix)):
        if prefix:
            _nejit.add_vml_search_prefix(prefix)


_register_prefixes()


def vml_status():
    """nejit's view of MKL as a dict: available (bool), version, library
    (the path loaded or last tried) and problem (why it is unavailable).
    Loads MKL on the first call."""
    return dict(_nejit.vml_status())


def _use_vml():
    return bool(_nejit.vml_status()["available"])


def __getattr__(name):
    # ``use_vml`` is computed on first access (PEP 562) so that importing
    # nejit does not pay MKL's ~20 ms load.
    if name == "use_vml":
        value = _use_vml()
        globals()["use_vml"] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))



def _max_threads_from_env():
    value = os.environ.get("NUMEXPR_MAX_THREADS", "")
    if value != "":
        try:
            return max(1, int(value))
        except ValueError:
            pass
    return 64


#: Upper bound for set_num_threads (NUMEXPR_MAX_THREADS, default 64).
MAX_THREADS = _max_threads_from_env()

_requested_threads = 1


def set_num_threads(nthreads):
    """Set the number of threads for large arrays; returns the previous
    setting, or -1 (with a message on stderr) when nthreads is out of range,
    like numexpr."""
    global _requested_threads
    nthreads = int(nthreads)
    if nthreads > MAX_THREADS:
        sys.stderr.write('Error.  nthreads cannot be larger than environment '
                         'variable "NUMEXPR_MAX_THREADS" (%d)' % MAX_THREADS)
        return -1
    if nthreads < 1:
        sys.stderr.write("Error.  nthreads must be a positive integer")
        return -1
    old = _requested_threads
    # nejit's runtime may cap below MAX_THREADS; numexpr's answer (what was
    # asked for) is kept for get_num_threads.
    _nejit.set_num_threads(max(1, min(nthreads, _nejit.max_threads())))
    _requested_threads = nthreads
    return old


def get_num_threads():
    """The number of threads set by set_num_threads."""
    return _requested_threads


def detect_number_of_cores():
    """Number of online cores (as the OS reports them)."""
    try:
        n = _nejit.detect_number_of_cores()
        if n > 0:
            return n
    except Exception:  # pragma: no cover - defensive
        pass
    return os.cpu_count() or 1


def detect_number_of_threads():
    """Deprecated (as in numexpr): use _init_num_threads."""
    log.warning("Deprecated, use `init_num_threads` instead.")
    for var in ("NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS"):
        try:
            n = int(os.environ.get(var, ""))
            break
        except ValueError:
            continue
    else:
        n = detect_number_of_cores()
    return min(n, MAX_THREADS)


def _init_num_threads():
    """Set the thread count from NEJIT_NUM_THREADS, then NUMEXPR_NUM_THREADS,
    then OMP_NUM_THREADS, else min(cores, 16); returns it (numexpr's rules,
    with nejit's own variable first)."""
    if "sparc" in version.platform_machine:
        log.warning("The number of threads have been set to 1 because "
                    "problems related to threading have been reported on "
                    "some sparc machine.")
        set_num_threads(1)
        return 1
    env = os.environ
    configured = (env.get("NUMEXPR_MAX_THREADS", "") != ""
                  or env.get("OMP_NUM_THREADS", "") != "")
    n_cores = detect_number_of_cores()
    if configured:
        n_cores = MAX_THREADS
    else:
        if n_cores > MAX_THREADS:
            log.info("Note: detected %d virtual cores but nejit set to "
                     "maximum of %d, check \"NUMEXPR_MAX_THREADS\" "
                     "environment variable.", n_cores, MAX_THREADS)
        if n_cores > 16:
            log.info("Note: nejit detected %d cores but "
                     "\"NUMEXPR_MAX_THREADS\" not set, so enforcing safe "
                     "limit of 16.", n_cores)
            n_cores = 16
    # nejit's own spelling wins over numexpr's, as in the C++ runtime.
    if env.get("NEJIT_NUM_THREADS", "") != "":
        requested = int(env["NEJIT_NUM_THREADS"])
    elif env.get("NUMEXPR_NUM_THREADS", "") != "":
        requested = int(env["NUMEXPR_NUM_THREADS"])
    elif env.get("OMP_NUM_THREADS", "") != "":
        requested = int(env["OMP_NUM_THREADS"])
    else:
        requested = n_cores
        if not configured:
            log.info("nejit defaulting to %d threads.", n_cores)
    set_num_threads(requested)
    return requested


_ACCURACY = {"high": 0, "low": 1, "fast": 2}
_ACCURACY_NAMES = {v: k for k, v in _ACCURACY.items()}


def set_vml_accuracy_mode(mode):
    """Select the accuracy of transcendental functions and return the
    previous mode ('high', 'low' or 'fast'), as numexpr does:

    - 'high': VML HA (<= 1 ULP; measured <= 0.5x in docs/accuracy.md) or
      Sleef u10 (<= 1 ULP) -- the default;
    - 'low': VML LA (<= 4 ULP) or Sleef u35 (<= 3.5 ULP);
    - 'fast': VML EP (about half the mantissa's bits) or Sleef's fastest;
    - None: back to the default, 'high'.

    Applies to expressions compiled afterwards (each mode has its own
    compiled kernels). nejit passes the mode to each VML call, so MKL's own
    process-wide mode (vmlSetMode) is left alone."""
    if mode not in (None, "low", "high", "fast"):
        raise ValueError(
            "mode argument must be one of: None, 'high', 'low', 'fast'")
    old = _nejit.set_accuracy(_ACCURACY[mode or "high"])
    return _ACCURACY_NAMES.get(old)


def set_vml_num_threads(nthreads):
    """Record numexpr's VML thread count; returns None as numexpr does.

    numexpr calls VML on blocks from its own threads, and this sets MKL's
    threads inside each such call. nejit does the same but always with
    MKL's sequential threading layer: its blocks are already split across
    set_num_threads() threads, and MKL threads inside them would only
    oversubscribe the cores (and MKL's OpenMP runtime would take over
    nejit's). So the value is kept for get_vml_num_threads() and otherwise
    has no effect; use set_num_threads() to change parallelism."""
    if not _use_vml():
        return None  # numexpr without VML ignores the call
    nthreads = int(nthreads)
    if nthreads < 1:
        raise ValueError("nthreads must be a positive integer")
    _nejit.set_vml_num_threads(nthreads)
    return None


def get_vml_num_threads():
    """The value last given to set_vml_num_threads (1 until then) when MKL
    is available, else None (as numexpr without VML)."""
    if not _use_vml():
        return None
    return _nejit.get_vml_num_threads()


def get_vml_version():
    """MKL's version string when MKL is available, else None."""
    status = _nejit.vml_status()
    return status["version"] if status["available"] else None


class CacheDict(dict):
    """A dict that drops 10% of its entries when it grows past maxentries."""

    def __init__(self, maxentries):
        self.maxentries = maxentries
        super().__init__()

    def __setitem__(self, key, value):
        if len(self) > self.maxentries:
            for k in list(self.keys())[: max(1, self.maxentries // 10)]:
                super().__delitem__(k)
        super().__setitem__(key, value)
