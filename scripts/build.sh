#!/usr/bin/env bash
# Installs missing packages, configures and builds Sluice.
# Usage: scripts/build.sh [Release|RelWithDebInfo|Debug] [build-dir]  (defaults: RelWithDebInfo, build)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
build_type="${1:-RelWithDebInfo}"
build_dir="${2:-$SLUICE_ROOT/build}"

"$SLUICE_ROOT/scripts/install-deps.sh"
mkdir -p "$CCACHE_DIR"
cmake -S "$SLUICE_ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${SLUICE_CMAKE_ARGS:-}
cmake --build "$build_dir" -j "$SLUICE_JOBS"
ccache --show-stats 2>/dev/null | grep -E "Hits|Misses|hit rate" | head -3 || true
