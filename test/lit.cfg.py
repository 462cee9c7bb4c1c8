# -*- Python -*-
# lit configuration for nejit's regression tests: RUN lines drive nejit-dis and
# FileCheck its output, mirroring lib/ folder by folder.
#
# Normally loaded by build/test/lit.site.cfg.py (written by CMake), which sets
# the nejit_* paths below first:   .venv/bin/lit -sv build/test
# Running lit on the source folder (`lit test/`) also works: the paths then
# default to the in-tree build/ and .venv/ that scripts/setup.sh creates.
import os
import sys

import lit.formats

config.name = "nejit"
config.suffixes = [".test", ".nejit"]
# Test files are the only thing in this tree lit should pick up; Output/ holds
# lit's own scratch files from earlier runs.
config.excludes = ["Output", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in", "README.md"]
# lit's internal shell: same behaviour everywhere, and it understands pipes,
# redirections and `not` as RUN lines use them.
config.test_format = lit.formats.ShTest(execute_external=False)

config.test_source_root = os.path.dirname(os.path.abspath(__file__))
_src_root = os.path.dirname(config.test_source_root)

if not hasattr(config, "nejit_obj_root"):
    # No site config: loaded straight from the source tree.
    config.nejit_src_root = _src_root
    config.nejit_obj_root = os.path.join(_src_root, "build")
    config.nejit_tools_dir = os.path.join(config.nejit_obj_root, "bin")
    config.llvm_tools_dir = "/usr/lib/llvm-19/bin"
    _venv_python = os.path.join(_src_root, ".venv", "bin", "python")
    config.python_executable = _venv_python if os.path.exists(_venv_python) else sys.executable

# Scratch files (%t) go to the build tree, never into the sources.
config.test_exec_root = os.path.join(config.nejit_obj_root, "test")


config.substitutions.append(("%python", config.python_executable))
# Tools are found through PATH rather than by substitution, so words such as
# `not` inside a quoted expression ("a not in b") are left alone.
config.environment["PATH"] = os.pathsep.join(
    [config.nejit_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
# lit starts tests with an almost empty environment; keep what the JIT's
# on-disk cache and temp files need, and any NEJIT_* knobs the caller set.
for _var in ("HOME", "TMPDIR", "TMP", "TEMP", "XDG_CACHE_HOME"):
    if _var in os.environ:
        config.environment[_var] = os.environ[_var]
for _var, _value in os.environ.items():
    if _var.startswith("NEJIT_"):
        config.environment[_var] = _value
# The default math backend depends on whether MKL is installed and on the CPU
# vendor; tests see Sleef unless they ask for --backend=vml, whose code
# nejit-dis prints without loading MKL.
config.environment["NEJIT_VML"] = "0"

# Code generation differs by host ISA; let tests say `REQUIRES: avx512f`.
try:
    with open("/proc/cpuinfo") as _f:
        _flags = next((l.split(":", 1)[1].split() for l in _f if l.startswith("flags")), [])
except OSError:
    _flags = []
for _isa in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512vl"):
    if _isa in _flags:
        config.available_features.add(_isa)
if os.path.exists(os.path.join(config.nejit_tools_dir, "nejit-dis")):
    config.available_features.add("nejit-dis")
