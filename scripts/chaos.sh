#!/usr/bin/env bash
# Runs the end-to-end random-fault scenario (tests/e2e: kill -9 of pumps, drainer and downstream
# MariaDB, SIGSTOP of a pump, a pump disk that fills and frees, the checkpoint database away) for
# as long as asked, then checks the downstream and a reparo restore against the reference by
# checksums and prints the worst catch-up after a fault.
# Usage: scripts/chaos.sh [--minutes N] [--seed S]   (defaults: 10 minutes, a random seed)
# Needs root (the pump's disk is a tmpfs it mounts). Builds first when needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
minutes=10
seed=$RANDOM
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "usage: scripts/chaos.sh [--minutes N] [--seed S]" >&2; exit 2 ;;
  esac
done
build_dir="${SLUICE_BUILD_DIR:-$SLUICE_ROOT/build}"
"$SLUICE_ROOT/scripts/build.sh" RelWithDebInfo "$build_dir" >/dev/null
echo "chaos: seed $seed, $minutes minute(s); replay with: scripts/chaos.sh --minutes $minutes --seed $seed"
cd "$build_dir"
SLUICE_E2E_SEED="$seed" SLUICE_E2E_SECONDS=$((minutes * 60)) SLUICE_BINARY_DIR="$build_dir" \
  exec ./tests/e2e_replication_test --gtest_filter='Replication.RandomFaultsDuringTheLoad'
