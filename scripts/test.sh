#!/usr/bin/env bash
# Run the test suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
# Extra arguments go to pytest (for example: scripts/test.sh -k accounts -x).
# Screenshots and reports go under $TEST_OUTPUT_DIR (default: test-output/), one folder
# per pass. Exits nonzero when any pass fails, including a pass that collects no tests.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTEST=${PYTEST:-.venv/bin/pytest}
export TEST_OUTPUT_DIR=${TEST_OUTPUT_DIR:-$PWD/test-output}
mkdir -p "$TEST_OUTPUT_DIR"

passes=(sqlite)
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  passes+=(postgres)
else
  echo "TEST_DATABASE_URL is not set: running the SQLite pass only."
fi

summary=()
status=0
for backend in "${passes[@]}"; do
  echo
  echo "=== pytest on $backend ==="
  rm -rf "${TEST_OUTPUT_DIR:?}/$backend"
  mkdir -p "$TEST_OUTPUT_DIR/$backend"
  TEST_DB=$backend "$PYTEST" -q -ra \
    --junitxml="$TEST_OUTPUT_DIR/$backend/junit.xml" "$@"
  rc=$?
  case $rc in
    0) summary+=("$backend: passed") ;;
    5) summary+=("$backend: FAILED (no tests were collected)"); status=1 ;;
    *) summary+=("$backend: FAILED (pytest exit code $rc)"); status=1 ;;
  esac
done

echo
echo "=== summary ==="
printf '  %s\n' "${summary[@]}"
echo "  output: $TEST_OUTPUT_DIR"
exit $status
