#!/usr/bin/env bash
# Builds nejit if needed (scripts/setup.sh), then compares it with numexpr and
# numpy on a few expressions over 10-million-element arrays (bench/demo.py).
# Extra arguments go to bench/demo.py (e.g. --threads 1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
exec "$ROOT/.venv/bin/python" bench/demo.py "$@"
