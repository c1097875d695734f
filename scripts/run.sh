#!/usr/bin/env bash
# The run command: installs what is missing, builds Release, and runs the main job on the
# embedded default: `sluice demo` (two pumps, a drainer with the file sink and the jsonl
# translator, and a load generator, all on this machine). Arguments go to `sluice demo`, e.g.
# `scripts/run.sh --seconds 60 --dir /tmp/demo`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
build_dir="${SLUICE_RELEASE_DIR:-$SLUICE_ROOT/build-release}"
SLUICE_CMAKE_ARGS="-DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCH=OFF ${SLUICE_CMAKE_ARGS:-}" \
  "$SLUICE_ROOT/scripts/build.sh" Release "$build_dir"
exec "$build_dir/bin/sluice" demo "$@"
