#!/usr/bin/env bash
# The run command (docs/quickstart.md): installs what is missing, builds Release, then runs the
# quickstart: a sluice-pump, a sluice-drainer (file sink, and the mysql sink into a private
# MariaDB) and sluice-loadgen (into a private upstream MariaDB) as separate processes on the
# embedded registry and TSO, for 30 s; prints what was replicated, the throughput and the lag,
# and stops everything it started.
#   scripts/run.sh [--seconds N] [--rate TXN_PER_S] [--threads N] [--dir DIR]
#   scripts/run.sh --demo [sluice demo options]     # the in-process demo instead
# SLUICE_RELEASE_DIR sets the build directory (default build-release).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
build_dir="${SLUICE_RELEASE_DIR:-$SLUICE_ROOT/build-release}"
SLUICE_CMAKE_ARGS="-DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCH=OFF ${SLUICE_CMAKE_ARGS:-}" \
  "$SLUICE_ROOT/scripts/build.sh" Release "$build_dir"
if [[ "${1:-}" == "--demo" ]]; then
  shift
  exec "$build_dir/bin/sluice" demo "$@"
fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) export SLUICE_QS_SECONDS="$2"; shift 2 ;;
    --rate) export SLUICE_QS_RATE="$2"; shift 2 ;;
    --threads) export SLUICE_QS_THREADS="$2"; shift 2 ;;
    --dir) export SLUICE_QS_DIR="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1 (--seconds, --rate, --threads, --dir, --demo)" >&2; exit 2 ;;
  esac
done
exec "$SLUICE_ROOT/scripts/quickstart.sh" "$build_dir"
