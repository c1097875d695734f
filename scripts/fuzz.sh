#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz with clang-14 (ASan + UBSan) and runs each for a
# bounded time. Usage: scripts/fuzz.sh [--seconds N] [--build-only | --run-only] [target...]
# Exit status is non-zero when a target fails to build or the fuzzer finds a crash.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
seconds=15
build_only=0
run_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --run-only) run_only=1; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(datum_fuzzer json_binary_fuzzer decimal_fuzzer row_fuzzer ddl_job_fuzzer)

compiler=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$compiler" ]; then
  echo "fuzz: clang++-14 not found (install clang-14 and libclang-rt-14-dev: scripts/install-deps.sh)" >&2
  exit 1
fi
out="${SLUICE_FUZZ_DIR:-$SLUICE_ROOT/build/fuzz}"
mkdir -p "$out/corpus"
launcher=$(command -v ccache || true)
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -I"$SLUICE_ROOT" -I"$SLUICE_ROOT/plugin-api")
codec_sources=("$SLUICE_ROOT"/core/codec/*.cc "$SLUICE_ROOT/core/common/status.cc")
schema_sources=("$SLUICE_ROOT/core/schema/table_info.cc" "$SLUICE_ROOT/core/schema/schema_tracker.cc")

# Library objects are compiled once (with -fsanitize=fuzzer-no-link) and shared by the targets.
objects=()
[ "$run_only" = 1 ] && codec_sources=() && schema_sources=()
for source in "${codec_sources[@]}" "${schema_sources[@]}"; do
  object="$out/obj/$(basename "${source%.cc}").o"
  mkdir -p "$out/obj"
  if [ ! -f "$object" ] || [ "$source" -nt "$object" ]; then
    $launcher "$compiler" "${flags[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}" \
      -c "$source" -o "$object"
  fi
  objects+=("$object")
done

status=0
for target in "${targets[@]}"; do
  source="$SLUICE_ROOT/tests/fuzz/$target.cc"
  binary="$out/$target"
  if [ "$run_only" = 0 ]; then
    echo "fuzz: building $target"
    $launcher "$compiler" "${flags[@]}" -c "$source" -o "$out/obj/$target.o"
    "$compiler" "${flags[@]}" "$out/obj/$target.o" "${objects[@]}" -lfmt -o "$binary"
  elif [ ! -x "$binary" ]; then
    echo "fuzz: $binary is not built (run with --build-only first)" >&2
    exit 1
  fi
  [ "$build_only" = 1 ] && continue
  mkdir -p "$out/corpus/$target"
  # Inputs that once crashed a target are replayed first (tests/fuzz/regressions/<target>-*).
  regressions=("$SLUICE_ROOT"/tests/fuzz/regressions/"$target"-*)
  if [ -e "${regressions[0]}" ]; then
    if ! "$binary" "${regressions[@]}" > "$out/$target.regressions.log" 2>&1; then
      echo "fuzz: $target fails a saved regression input; log: $out/$target.regressions.log" >&2
      tail -20 "$out/$target.regressions.log" >&2
      status=1
      continue
    fi
  fi
  echo "fuzz: running $target for ${seconds}s"
  if ! (cd "$out" && "$binary" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
          -artifact_prefix="$out/$target-" "$out/corpus/$target" > "$out/$target.log" 2>&1); then
    echo "fuzz: $target FAILED; log: $out/$target.log" >&2
    tail -40 "$out/$target.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$out/$target.log" | tail -1 || true
  fi
done
exit $status
