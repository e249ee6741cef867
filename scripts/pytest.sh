#!/usr/bin/env bash
# Runs the suite; pytest's exit code 5 ("no tests collected") is a failure here, not a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
# The Makefile exports the run settings; tests use the test settings (same code, fast hasher).
export DJANGO_SETTINGS_MODULE=lvzhi.settings.test
.venv/bin/pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest 没有收集到任何测试" >&2
  exit 1
fi
exit "$code"
