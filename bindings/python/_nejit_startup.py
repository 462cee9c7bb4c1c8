"""Interpreter start-up hook: ``NEJIT_PATCH_NUMEXPR=1`` puts nejit under
every numexpr user of the process.

A ``.pth`` file in site-packages (``nejit-patch.pth``, installed with the
package; scripts/setup.sh appends the same line to the development
``nejit-dev.pth``) runs, at every interpreter start::

    import os; os.environ.get("NEJIT_PATCH_NUMEXPR", "0") ... and __import__("_nejit_startup").install()

With the variable unset (or 0, false, no, off) that costs one dictionary
look-up and this module is not even imported. With it set, ``install()``
only puts a finder first on ``sys.meta_path`` — neither nejit nor numpy is
imported at start-up — and the finder makes the process's first ``import
numexpr`` load numexpr and then patch it (nejit.patch_numexpr()), or, when
numexpr is not installed, give a numexpr made from nejit. This module is
top-level (not inside the nejit package) so that importing it does not
import nejit.
"""

import os
import sys

ENV = "NEJIT_PATCH_NUMEXPR"
_OFF = ("", "0", "false", "no", "off")


def enabled():
    """Whether NEJIT_PATCH_NUMEXPR asks for the patch."""
    return os.environ.get(ENV, "0").strip().lower() not in _OFF


class _PatchingLoader:
    """numexpr's own loader, then the patch: the module is numexpr's, with
    nejit's functions and classes put in place."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # The module is numexpr's as any import makes it: its own loader.
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        from nejit import _patch
        _patch._numexpr_loaded(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


class _StandInLoader:
    """No numexpr installed: ``numexpr`` is a module made from nejit."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from nejit import _patch
        _patch._fill_stand_in(module)


class NumexprFinder:
    """First on sys.meta_path while the patch is on: answers ``import
    numexpr`` (only the top-level name; numexpr imports its submodules
    itself) with a loader that patches what it loads."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "numexpr":
            return None
        import importlib.util

        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        if spec is None or spec.loader is None:
            return importlib.util.spec_from_loader(
                fullname, _StandInLoader(), is_package=True)
        spec.loader = _PatchingLoader(spec.loader)
        return spec


def install():
    """Patch numexpr now if it is imported, else at its first import."""
    if "numexpr" in sys.modules or "nejit" in sys.modules:
        from nejit import _patch
        _patch.patch_numexpr()
        return
    # Registered with nejit._patch when nejit is imported (it looks for us
    # on sys.meta_path), so unpatch_numexpr() can remove it.
    if not any(isinstance(f, NumexprFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, NumexprFinder())
