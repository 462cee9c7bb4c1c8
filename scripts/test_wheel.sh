#!/usr/bin/env bash
# Proves nejit's wheels (scripts/wheel.sh) on machines that have nothing of
# what nejit is built with:
#   cp311  a minimal Debian 12 root (debootstrap --variant=minbase, plus
#          python3 and python3-venv): no compiler, no LLVM, Sleef, libomp or
#          fmt package (the script prints the dpkg -l proof and fails if one
#          is there); a venv of that root's own python3 (3.11), in a chroot
#   cp312, cp313  venvs of the host's pyenv Pythons (the root has only 3.11)
# Into each venv go the wheel and, from PyPI, numpy, numexpr, pytest, pandas
# and numba (the versions requirements.txt pins); then it runs:
#   wheel-check    scripts/check_wheel_install.py: right answers from both
#                  tiers on 2 threads, pandas' engine, and /proc/self/maps:
#                  every shared object from the wheel, the venv or
#                  glibc/libstdc++/libgcc
#   numexpr-suite  numexpr 2.14.2's own test suite against the wheel
#   coexist        bindings/python/tests/test_coexist.py: numba and nejit in
#                  one process, both orders; the OpenMP runtime clash cases
# The root's tarball is cached in $NEJIT_CACHE_DIR (default /var/cache/nejit,
# outside the checkout, so a fresh clone in CI reuses it), as is pip's cache
# (bind-mounted into the root).
#
# Usage: scripts/test_wheel.sh [WHEEL...]   (default: dist/'s wheels of this version)
# The last line is `test_wheel: W wheels, P passed, F failed` (P, F count wheels).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="${NEJIT_CACHE_DIR:-/var/cache/nejit}"
TARBALL="$CACHE/debian12-minbase-python3.tar"
PIP_CACHE="$CACHE/pip"
VERSION="$(sed -nE 's/^project\(nejit +VERSION +([0-9.]+).*/\1/p' CMakeLists.txt)"

log() { printf '[test_wheel] %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
[[ "$(id -u)" -eq 0 ]] || die "needs root (debootstrap, chroot, mount)"

WHEELS=("$@")
if ((${#WHEELS[@]} == 0)); then
  mapfile -t WHEELS < <(ls "$ROOT"/dist/nejit-"$VERSION"-cp3*-manylinux*.whl 2>/dev/null)
fi
((${#WHEELS[@]})) || die "no wheels in dist/: run scripts/wheel.sh first"

pin() { grep -hE "^$1(\[[^]]*\])?==" "$ROOT/requirements.txt" "$ROOT/requirements-mkl.txt" | cut -d' ' -f1; }
# intel-openmp: a second KMP-family OpenMP runtime for test_coexist.py.
PACKAGES=("$(pin numpy)" "$(pin numexpr)" "$(pin pytest)" "$(pin pandas)" "$(pin numba)"
          "$(pin intel-openmp)")
mkdir -p "$CACHE" "$PIP_CACHE"

# What the checks need, copied next to each venv (not the checkout: the
# venv must import the installed nejit, and run_numexpr_suite.py would
# prefer a bindings/python with a built extension).
stage_checks() {  # stage_checks DIR
  mkdir -p "$1"
  cp scripts/check_wheel_install.py bindings/python/tests/run_numexpr_suite.py \
     bindings/python/tests/test_coexist.py "$1/"
}

# run_checks LABEL PYTHON-RUNNER...: runs the three checks with the command
# prefix given (a chroot or nothing); returns non-zero if any failed.
run_checks() {
  local label="$1"; shift
  local dir="$1"; shift   # where the staged checks are, as the runner sees it
  local rc=0 out
  log "$label: wheel-check"
  "$@" python "$dir/check_wheel_install.py" || rc=1
  log "$label: numexpr's suite"
  out="$("$@" python "$dir/run_numexpr_suite.py" 2>&1)" || rc=1
  printf '%s\n' "$out" | tail -n 12
  log "$label: coexistence with numba and other OpenMP runtimes"
  "$@" python -m pytest -q -p no:cacheprovider --rootdir "$dir" "$dir/test_coexist.py" -rs || rc=1
  return "$rc"
}

# --- the clean Debian root -------------------------------------------------------
debian_mirror() {
  # The first Debian mirror apt uses: deb822 (URIs:) or one-line sources.
  local m
  m="$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1)"
  [[ -n "$m" ]] || m="$(grep -hs -E '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -n 1)"
  echo "${m:-http://deb.debian.org/debian}"
}

make_tarball() {
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null; } ||
      die "cannot install debootstrap"
  fi
  local tmp mirror
  mirror="$(debian_mirror)"
  tmp="$(mktemp -d /var/tmp/nejit-debootstrap.XXXXXX)"
  log "debootstrap --variant=minbase --include=python3,python3-venv bookworm ($mirror)"
  debootstrap --variant=minbase --include=python3,python3-venv bookworm "$tmp" "$mirror" \
    >"$CACHE/debootstrap.log" 2>&1 || { tail -n 30 "$CACHE/debootstrap.log"; rm -rf "$tmp"; die "debootstrap failed"; }
  # apt's downloaded .debs are not part of the root.
  rm -rf "$tmp"/var/cache/apt/archives/*.deb
  tar -C "$tmp" -cf "$TARBALL.part" . && mv "$TARBALL.part" "$TARBALL"
  rm -rf "$tmp"
}

CHROOT=""
BOUND=()
cleanup() {
  if [[ -n "$CHROOT" ]]; then
    local b
    for b in ${BOUND[@]+"${BOUND[@]}"}; do umount -l "$b"; done
    BOUND=()
    for m in root/.cache/pip dev/shm dev proc; do
      mountpoint -q "$CHROOT/$m" && umount -l "$CHROOT/$m"
    done
    rm -rf --one-file-system "$CHROOT"
  fi
}
trap cleanup EXIT

test_in_root() {  # test_in_root WHEEL
  local whl="$1"
  if [[ ! -f "$TARBALL" ]]; then make_tarball; else log "Debian 12 root from the cache: $TARBALL"; fi
  CHROOT="$(mktemp -d /var/tmp/nejit-root.XXXXXX)"
  tar -C "$CHROOT" -xf "$TARBALL" || return 1
  # A private /proc and /dev (with its own /dev/shm for multiprocessing and
  # libomp's registration) for the checks; pip's cache from the host cache.
  mount -t proc proc "$CHROOT/proc"
  mount --bind /dev "$CHROOT/dev" && mount --make-private "$CHROOT/dev"
  mount -t tmpfs tmpfs "$CHROOT/dev/shm"
  mkdir -p "$CHROOT/root/.cache/pip" && mount --bind "$PIP_CACHE" "$CHROOT/root/.cache/pip"
  # Network: the host's resolver, CA bundle and pip configuration (PIP_*
  # variables pass through chroot by themselves).
  cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
  mkdir -p "$CHROOT/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$CHROOT/etc/ssl/certs/"
  [[ -f /etc/pip.conf ]] && cp /etc/pip.conf "$CHROOT/etc/pip.conf"
  # A local PIP_FIND_LINKS folder (an offline wheelhouse) is seen at the
  # same path inside.
  local d
  for d in ${PIP_FIND_LINKS:-}; do
    if [[ "$d" == /* && -d "$d" ]]; then
      mkdir -p "$CHROOT$d" && mount --bind -o ro "$d" "$CHROOT$d" && BOUND+=("$CHROOT$d")
    fi
  done

  local in_root=(env -u PYTHONPATH -u VIRTUAL_ENV -u PYTHONHOME -u LD_LIBRARY_PATH
                 -u LD_PRELOAD HOME=/root LANG=C.UTF-8
                 PATH=/venv/bin:/usr/sbin:/usr/bin:/sbin:/bin chroot "$CHROOT")

  echo "---- dpkg -l in the clean root (Debian $(cat "$CHROOT/etc/debian_version")):"
  COLUMNS=120 "${in_root[@]}" dpkg -l | grep -E '^(ii|Desired|[|+])' || true
  local forbidden
  forbidden="$("${in_root[@]}" dpkg-query -W -f='${Package}\n' |
    grep -E '^(gcc(-[0-9]+)?|g\+\+(-[0-9]+)?|cpp(-[0-9]+)?|binutils|clang.*|llvm.*|lld.*|libllvm.*|libclang.*|libsleef.*|libomp.*|libfmt.*|libgomp.*|libzstd-dev|build-essential)$' || true)"
  if [[ -n "$forbidden" ]]; then
    echo "error: the clean root has: $forbidden" >&2; return 1
  fi
  for tool in cc gcc g++ c++ clang ld; do
    if "${in_root[@]}" sh -c "command -v $tool" >/dev/null; then
      echo "error: the clean root has a $tool" >&2; return 1
    fi
  done
  echo "---- no compiler, linker, LLVM, Sleef, libomp, libgomp or fmt package: ok"

  mkdir -p "$CHROOT/wheels" && cp "$whl" "$CHROOT/wheels/"
  stage_checks "$CHROOT/checks"
  log "cp311 (clean root): $("${in_root[@]}" python3 -V), venv, pip install"
  "${in_root[@]}" python3 -m venv /venv || return 1
  "${in_root[@]}" python -m pip install -q --progress-bar off \
    "/wheels/$(basename "$whl")" "${PACKAGES[@]}" || return 1
  local rc=0
  (cd "$CHROOT/checks" && run_checks "cp311 (clean root)" /checks "${in_root[@]}") || rc=1
  cleanup; CHROOT=""
  return "$rc"
}

test_on_host() {  # test_on_host WHEEL PYTHON
  local whl="$1" py="$2" tmp rc=0 label
  label="$(basename "$whl" | cut -d- -f3) ($py)"
  tmp="$(mktemp -d /var/tmp/nejit-wheeltest.XXXXXX)"
  "$py" -m venv "$tmp/venv" || return 1
  PIP_CACHE_DIR="$PIP_CACHE" "$tmp/venv/bin/python" -m pip install -q --progress-bar off \
    "$whl" "${PACKAGES[@]}" || { rm -rf "$tmp"; return 1; }
  stage_checks "$tmp/checks"
  (cd "$tmp/checks" && PATH="$tmp/venv/bin:$PATH" run_checks "$label" "$tmp/checks" \
    env -u PYTHONPATH -u VIRTUAL_ENV -u PYTHONHOME PATH="$tmp/venv/bin:$PATH") || rc=1
  rm -rf "$tmp"
  return "$rc"
}

source "$ROOT/scripts/find_python.sh"

PASSED=0 FAILED=0 RESULTS=()
for whl in "${WHEELS[@]}"; do
  tag="$(basename "$whl" | cut -d- -f3)"   # cp311
  start=$SECONDS
  printf '\n==== %s\n' "$(basename "$whl")"
  if [[ "$tag" == cp311 ]]; then
    test_in_root "$whl"; rc=$?
  else
    minor="${tag#cp3}"; py="$(find_python "3.$minor")"
    if [[ -z "$py" ]]; then
      echo "no Python 3.$minor on this machine"; rc=1
    else
      test_on_host "$whl" "$py"; rc=$?
    fi
  fi
  if ((rc == 0)); then
    PASSED=$((PASSED + 1)); RESULTS+=("$tag: passed ($((SECONDS - start)) s)")
  else
    FAILED=$((FAILED + 1)); RESULTS+=("$tag: FAILED ($((SECONDS - start)) s)")
  fi
done

printf '\n'
printf '%s\n' "${RESULTS[@]}"
echo "test_wheel: ${#WHEELS[@]} wheels, $PASSED passed, $FAILED failed"
((FAILED == 0))
