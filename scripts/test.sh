#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole ctest suite.
# Pass ctest arguments to narrow it, e.g. `scripts/test.sh -L unit`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
build_dir="${SLUICE_BUILD_DIR:-$SLUICE_ROOT/build}"
"$SLUICE_ROOT/scripts/build.sh" RelWithDebInfo "$build_dir"
cd "$build_dir"
ctest --output-on-failure -j "$SLUICE_JOBS" --timeout 600 "$@"
