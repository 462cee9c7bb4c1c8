"""``python -m nejit.patch script.py [args...]`` (or ``-m module
[args...]``): run a program with nejit under numexpr.

The program runs as ``__main__`` with ``sys.argv`` as if started directly,
after nejit.patch_numexpr(), so every library it uses that calls numexpr
(pandas, PyTables, blosc2, its own code) runs on nejit, without a change to
the program.
"""

import os
import runpy
import sys

from ._patch import patch_numexpr

USAGE = ("usage: python -m nejit.patch script.py [args...]\n"
         "       python -m nejit.patch -m module [args...]")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    patch_numexpr()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        script = argv[0]
        sys.argv = argv
        # As `python script.py` does: the script's folder first on sys.path.
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
