"""patch_numexpr() / unpatch_numexpr(): every numexpr user in the process
on nejit, and back.

numexpr's clients reach it as ``import numexpr as ne`` and then look names
up on the module when they call (``ne.evaluate``, ``ne.necompiler.NumExpr``,
``ne.expressions.functions``), so nejit patches the module objects
themselves, in place, as scikit-learn-intelex's patch_sklearn() patches
scikit-learn:

* numexpr already imported: each of numexpr, numexpr.necompiler,
  numexpr.expressions, numexpr.interpreter and numexpr.utils gets nejit's
  counterpart of every public name (functions, classes, tables) that both
  have; names nejit lacks stay numexpr's; submodules, version strings and
  imported modules (numpy, sys) stay. The module dicts are saved first.
* numexpr installed but not yet imported: a finder first on sys.meta_path
  (_nejit_startup.NumexprFinder) lets the first ``import numexpr`` load
  numexpr as usual and patches it right after, so nothing is imported now.
* numexpr not installed: the same finder answers ``import numexpr`` with a
  module made from nejit (``__version__`` is the numexpr release nejit
  follows), its submodules nejit's.

unpatch_numexpr() puts every saved name back (numexpr's module dicts end
exactly as they were), removes the finder and any module made from nejit.
Code that copied a name out of numexpr while patched (``from numexpr
import evaluate``) keeps what it copied; code that imported the stand-in of
an absent numexpr keeps it. Both calls are idempotent and hold a lock; each
name is swapped by one dict store, so concurrent callers see numexpr's
function or nejit's, never a missing one.
"""

import sys
import threading
import types

__all__ = ["patch_numexpr", "unpatch_numexpr", "numexpr_patched"]

# numexpr's module -> nejit's module of the same role.
_MIRRORS = (("numexpr", "nejit"),
            ("numexpr.necompiler", "nejit.necompiler"),
            ("numexpr.expressions", "nejit.expressions"),
            ("numexpr.interpreter", "nejit.interpreter"),
            ("numexpr.utils", "nejit.utils"))
# Private names numexpr's clients and tests use.
_PRIVATE_NAMES = frozenset(("_init_num_threads", "_set_num_threads",
                            "_get_num_threads", "_context"))
_KEEP = frozenset(("version", "__version__"))
_MISSING = object()

_lock = threading.RLock()
_patched = False
_saved = {}        # module name -> (module, copy of its dict before)
_stand_ins = {}    # sys.modules key -> the module nejit put there


def _finders():
    return [f for f in sys.meta_path
            if type(f).__name__ == "NumexprFinder"
            and type(f).__module__ == "_nejit_startup"]


def _remove_finders():
    for f in _finders():
        try:
            sys.meta_path.remove(f)
        except ValueError:
            pass


def _public_names(real, mirror):
    """(name, nejit's value) for the names of real that nejit replaces."""
    for name in list(vars(real)):
        if name in _KEEP or name.startswith("__"):
            continue
        if name.startswith("_") and name not in _PRIVATE_NAMES:
            continue
        value = getattr(mirror, name, _MISSING)
        if value is _MISSING or isinstance(value, types.ModuleType):
            continue
        yield name, value


def _overlay(top):
    """Patch numexpr's loaded modules in place (the lock is held)."""
    import importlib

    for name, mirror_name in _MIRRORS:
        real = top if name == "numexpr" else sys.modules.get(name)
        if real is None or name in _saved:
            continue
        mirror = importlib.import_module(mirror_name)
        _saved[name] = (real, dict(vars(real)))
        for attr, value in list(_public_names(real, mirror)):
            setattr(real, attr, value)
    top.__nejit__ = True


def _restore():
    for real, saved in _saved.values():
        current = vars(real)
        for key in [k for k in current if k not in saved]:
            del current[key]
        for key, value in saved.items():
            if current.get(key, _MISSING) is not value:
                current[key] = value
    _saved.clear()


def _fill_stand_in(module):
    """Make the empty module ``numexpr`` (numexpr is not installed) from
    nejit; called by the finder's loader."""
    global _patched
    import nejit

    with _lock:
        for name in dir(nejit):
            if not name.startswith("__") or name == "__doc__":
                setattr(module, name, getattr(nejit, name))
        module.use_vml = nejit.use_vml  # computed on first access in nejit
        module.__version__ = nejit.version.numexpr_compat_version
        module.__nejit__ = True
        _stand_ins["numexpr"] = module
        for name, mirror_name in _MIRRORS[1:]:
            mirror = sys.modules[mirror_name]
            setattr(module, name.split(".")[1], mirror)
            sys.modules[name] = mirror
            _stand_ins[name] = mirror
        _patched = True
        _remove_finders()


def _numexpr_loaded(module):
    """numexpr has just been imported while the patch is on (called by the
    finder's loader): patch it."""
    global _patched
    with _lock:
        _patched = True
        _overlay(module)
        _remove_finders()


def patch_numexpr():
    """From now on numexpr, in this process, is nejit: every library that
    uses numexpr (pandas, PyTables, blosc2, ...) runs nejit's kernels,
    whether it imported numexpr before this call or imports it after, and
    whether numexpr is installed or not. Idempotent; unpatch_numexpr()
    undoes it."""
    global _patched
    with _lock:
        if _patched:
            return
        real = sys.modules.get("numexpr")
        if real is not None:
            _overlay(real)
        else:
            import _nejit_startup
            if not _finders():
                sys.meta_path.insert(0, _nejit_startup.NumexprFinder())
        _patched = True


def unpatch_numexpr():
    """Undo patch_numexpr() (and NEJIT_PATCH_NUMEXPR): numexpr's modules
    get back exactly the names they had, and a numexpr made from nejit
    (numexpr not installed) leaves sys.modules. Idempotent."""
    global _patched
    with _lock:
        _remove_finders()
        _restore()
        for key, module in list(_stand_ins.items()):
            if sys.modules.get(key) is module:
                del sys.modules[key]
        _stand_ins.clear()
        _patched = False


def numexpr_patched():
    """Whether patch_numexpr() (or NEJIT_PATCH_NUMEXPR) is in effect."""
    with _lock:
        return _patched or bool(_finders())
