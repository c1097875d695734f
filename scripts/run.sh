#!/usr/bin/env bash
# The run command: installs what is missing, builds Release, and runs the main job on the
# embedded default. Until the pump, drainer and file sink exist (see docs/status.md) it runs the
# self-check of what is built so far.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
build_dir="${SLUICE_RELEASE_DIR:-$SLUICE_ROOT/build-release}"
SLUICE_CMAKE_ARGS="-DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCH=OFF ${SLUICE_CMAKE_ARGS:-}" \
  "$SLUICE_ROOT/scripts/build.sh" Release "$build_dir"
exec "$build_dir/bin/sluice" demo "$@"
