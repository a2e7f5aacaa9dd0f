#!/usr/bin/env bash
# Print the first Python interpreter that is 3.11 or newer (PYTHON wins when it is set).
set -euo pipefail

candidates=("${PYTHON:-}" python3 python3.13 python3.12 python3.11 python)
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] || continue
  command -v "$candidate" >/dev/null 2>&1 || continue
  if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    command -v "$candidate"
    exit 0
  fi
done

found=$(command -v python3 >/dev/null 2>&1 && python3 -V 2>&1 || echo "no python3")
echo "Marquee needs Python 3.11 or newer (found: $found)." >&2
echo "Install it (Debian/Ubuntu: apt-get install python3 python3-venv) or point PYTHON at it:" >&2
echo "  make run PYTHON=/path/to/python3.11" >&2
exit 1
