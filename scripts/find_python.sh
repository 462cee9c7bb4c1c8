# Sourced by scripts/wheel.sh and scripts/test_wheel.sh: where a CPython
# minor version lives on this machine.

find_python() {  # find_python 3.12 -> the newest pyenv 3.12.N, else python3.12
  local minor="$1" pyenv_root best=""
  pyenv_root="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"
  if [[ -d "$pyenv_root/versions" ]]; then
    # Plain releases only: not 3.13.0t (free-threaded, another ABI) or -dev.
    best="$(ls "$pyenv_root/versions" | grep -E "^${minor//./\\.}\.[0-9]+$" | sort -V | tail -n 1 || true)"
    [[ -n "$best" ]] && { echo "$pyenv_root/versions/$best/bin/python3"; return; }
  fi
  command -v "python$minor" || true
}
