#!/usr/bin/env bash
# Brings a checkout from nothing to a built nejit that `.venv/bin/python -c
# "import nejit"` can load:
#   1. Debian packages (LLVM 19, Sleef, fmt, GoogleTest, ...), if missing;
#   2. .venv/ with requirements.txt installed, if the file changed, and MKL
#      (requirements-mkl.txt, for the optional VML backend) unless
#      NEJIT_INSTALL_MKL=0;
#   3. CMake + Ninja configure (if needed) and build into build/;
#   4. a .pth file so the venv imports nejit from bindings/python/.
# Every step checks before it acts, so a second run only costs a ninja no-op:
# nothing installed by hand survives to CI or a fresh machine, so this script
# is the one place that installs anything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD_DIR="$ROOT/build"
# ccache keys on paths relative to the checkout, so a fresh clone elsewhere
# reuses the objects an earlier build of the same sources left.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
VENV="$ROOT/.venv"
LLVM_BIN=/usr/lib/llvm-19/bin

log() { printf '[setup] %s\n' "$*"; }

# --- 1. Debian packages ------------------------------------------------------
DEB_PACKAGES=(
  llvm-19-dev llvm-19-tools libomp-19-dev clang-19 libclang-rt-19-dev
  libzstd-dev libsleef-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  ninja-build ccache cmake g++
)

# dpkg-query is local and instant; `apt-get update` is the slow, networked
# part, so only run it when something is actually missing.
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null; then
    SUDO=(sudo)
  else
    echo "error: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages: all ${#DEB_PACKAGES[@]} present"
fi

# lit tests call these by absolute path (see test/lit.cfg.py).
for tool in FileCheck not; do
  [[ -x "$LLVM_BIN/$tool" ]] || { echo "error: $LLVM_BIN/$tool missing (llvm-19-tools)" >&2; exit 1; }
done

# --- 2. Python virtual environment -------------------------------------------
# A venv whose interpreter no longer runs (e.g. its base Python moved) is
# rebuilt rather than patched.
if [[ -x "$VENV/bin/python" ]] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
  log "removing broken .venv"
  rm -rf "$VENV"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating .venv with $(command -v python3) ($(python3 -V 2>&1))"
  python3 -m venv "$VENV"
fi

# pip's own "already satisfied" check takes several seconds for this many
# packages; a hash of requirements.txt plus the interpreter version is instant.
STAMP="$VENV/.requirements.sha256"
want_hash="$( { cat requirements.txt; "$VENV/bin/python" -VV; } | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "$want_hash" ]]; then
  log "installing requirements.txt into .venv"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    -q -r requirements.txt
  # Written only after pip succeeded, so a failed install is retried next run.
  echo "$want_hash" >"$STAMP"
else
  log "Python requirements: up to date"
fi

# --- 2b. Intel MKL for the VML backend (optional) ---------------------------
# MKL's wheel puts its libraries in .venv/lib (nejit finds them through the
# interpreter's sys.prefix). --no-deps because the SEQUENTIAL threading layer
# nejit selects never loads intel-openmp or tbb. The threading layers and
# cluster libraries nejit never loads are removed afterwards (about 145 of
# 687 MB). Keyed by a stamp like requirements.txt, so a second run is free.
MKL_STAMP="$VENV/.requirements-mkl.sha256"
if [[ "${NEJIT_INSTALL_MKL:-1}" != 0 ]]; then
  mkl_hash="$( { cat requirements-mkl.txt; "$VENV/bin/python" -VV; } | sha256sum | cut -d' ' -f1)"
  if [[ "$(cat "$MKL_STAMP" 2>/dev/null || true)" != "$mkl_hash" ]]; then
    log "installing requirements-mkl.txt into .venv (--no-deps)"
    # Optional: a failed download leaves nejit on Sleef (the VML tests then
    # report as skipped) and is retried on the next run.
    if "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
         -q --no-deps -r requirements-mkl.txt; then
      for lib in "$VENV"/lib/libmkl_{intel,gnu,tbb}_thread.so.* \
                 "$VENV"/lib/libmkl_intel_ilp64.so.* "$VENV"/lib/libmkl_scalapack_*.so.* \
                 "$VENV"/lib/libmkl_blacs_*.so.* "$VENV"/lib/libmkl_cdft_core.so.*; do
        rm -f "$lib"
      done
      echo "$mkl_hash" >"$MKL_STAMP"
    else
      log "warning: installing MKL failed; the VML backend stays unavailable"
    fi
  else
    log "MKL (VML backend): up to date"
  fi
else
  log "MKL (VML backend): skipped (NEJIT_INSTALL_MKL=0)"
fi

# --- 3. Configure and build --------------------------------------------------
PYBIND11_DIR="$("$VENV/bin/python" -m pybind11 --cmakedir)"
CMAKE_ARGS=(
  -G Ninja
  -DCMAKE_BUILD_TYPE=Release
  -DNEJIT_BUILD_PYTHON=ON
  "-DPython_EXECUTABLE=$VENV/bin/python"
  "-Dpybind11_DIR=$PYBIND11_DIR"
)

# A build dir made by another generator cannot be switched to Ninja in place.
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] &&
   ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$BUILD_DIR/CMakeCache.txt"; then
  log "build/ was not configured with Ninja: clearing its CMake cache"
  rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
fi

# Re-running cmake costs seconds (it re-finds LLVM), so configure only when
# there is no build.ninja yet or our arguments changed; once configured, ninja
# re-runs cmake by itself whenever a CMakeLists.txt changes.
ARGS_STAMP="$BUILD_DIR/.nejit-configure-args"
if [[ ! -f "$BUILD_DIR/build.ninja" || "$(cat "$ARGS_STAMP" 2>/dev/null || true)" != "${CMAKE_ARGS[*]}" ]]; then
  log "configuring build/"
  cmake -S "$ROOT" -B "$BUILD_DIR" "${CMAKE_ARGS[@]}"
  printf '%s' "${CMAKE_ARGS[*]}" >"$ARGS_STAMP"
fi

log "building build/ (-j2)"
cmake --build "$BUILD_DIR" -j2

# --- 4. Make `import nejit` work from the venv -------------------------------
# The _nejit extension is built into bindings/python/nejit/ next to the
# package's Python sources, so pointing the venv at bindings/python/ is an
# editable install that never goes stale. Rewrite only if the content differs.
# NEJIT_SHARED_VENV=1 leaves the .pth alone: a second checkout (a git
# worktree) that borrows this venv must not redirect the first one's imports;
# scripts/test.sh puts its own checkout first on PYTHONPATH anyway.
# Its second line is nejit-patch.pth's (what a wheel installs): with
# NEJIT_PATCH_NUMEXPR=1 in the environment, numexpr is nejit in every
# interpreter of the venv (docs/integrations.md); unset, it costs one
# environment look-up at start-up.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
PTH="$SITE/nejit-dev.pth"
PTH_TEXT="$(printf '%s\n%s' "$ROOT/bindings/python" "$(cat "$ROOT/bindings/python/nejit-patch.pth")")"
if [[ "${NEJIT_SHARED_VENV:-0}" != 1 &&
      "$(cat "$PTH" 2>/dev/null || true)" != "$PTH_TEXT" ]]; then
  log "writing $PTH"
  printf '%s\n' "$PTH_TEXT" >"$PTH"
fi

log "done"
