#!/usr/bin/env bash
# Installs the sdk component of a Sluice build into a scratch prefix, builds the jsonl-file example
# out of tree against that prefix only, checks what the plugin exports and that its manifest was
# written, runs the installed conformance tool on it, and compares the JSON lines it wrote with
# the lines worked out by hand (expected_jsonl_lines.txt).
#
#   install_out_of_tree_test.sh <cmake> <sluice build dir> <sluice source dir> <work dir>
#                               <c++ compiler> <ninja> <ccache or empty> <expected lines file>
set -euo pipefail

cmake_command=$1 build_dir=$2 source_dir=$3 work_dir=$4 cxx=$5 make_program=$6 launcher=${7:-}
expected=$8
sluice_binary=$9

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# The work dir keeps the same path from run to run, so ccache recognises the compile.
rm -rf "$work_dir/prefix" "$work_dir/build" "$work_dir/out.jsonl"
mkdir -p "$work_dir"
prefix=$work_dir/prefix

echo "== cmake --install $build_dir --component sdk --prefix $prefix"
"$cmake_command" --install "$build_dir" --component sdk --prefix "$prefix" >"$work_dir/install.log"
for file in include/sluice/plugin_abi.h include/sluice/sdk/plugin.h \
  include/sluice/sdk/testing/batch_builder.h include/sluice/sdk/testing/fake_host.h \
  bin/sluice-plugin-conformance lib/cmake/Sluice/SluiceConfig.cmake \
  lib/cmake/Sluice/SluiceConfigVersion.cmake lib/cmake/Sluice/SluicePlugin.cmake \
  lib/cmake/Sluice/SluiceTargets.cmake share/sluice/examples/jsonl_sink/CMakeLists.txt; do
  [[ -e $prefix/$file ]] || fail "the install has no $file"
done
# Only the SDK: no daemons, libraries or plugins of the project.
unexpected=$(cd "$prefix" && find . -type f | grep -v -E '^\./(include/sluice/|bin/sluice-plugin-conformance$|lib/cmake/Sluice/|share/sluice/examples/|share/doc/sluice-sdk/)' || true)
[[ -z $unexpected ]] || fail "the sdk component installed more than the SDK: $unexpected"

echo "== configure and build sdk/examples/jsonl_sink against $prefix"
launcher_option=()
if [[ -n $launcher && $launcher != *NOTFOUND* ]]; then
  launcher_option=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
fi
"$cmake_command" -S "$source_dir/sdk/examples/jsonl_sink" -B "$work_dir/build" -G Ninja \
  -DCMAKE_MAKE_PROGRAM="$make_program" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "${launcher_option[@]}" >"$work_dir/configure.log" ||
  { cat "$work_dir/configure.log"; fail "configuring the example"; }
"$cmake_command" --build "$work_dir/build" >"$work_dir/build.log" 2>&1 ||
  { cat "$work_dir/build.log"; fail "building the example"; }
if grep -q -e "$source_dir/sdk/include" -e "$source_dir/plugin-api" \
  "$work_dir/build/compile_commands.json"; then
  fail "the example was compiled against the source tree, not the installed SDK"
fi
grep -q -e "-I$prefix/include" -e "-isystem $prefix/include" "$work_dir/build/compile_commands.json" ||
  fail "the example was not compiled against $prefix/include"

library=$work_dir/build/plugins/jsonl-file.so
manifest=$work_dir/build/plugins/jsonl-file.plugin.toml
[[ -f $library ]] || fail "no $library"
exports=$(nm -D --defined-only "$library" | awk '{print $NF}' | sort -u | tr '\n' ' ')
[[ $exports == "sluice_plugin_entry_v1 " ]] ||
  fail "the plugin must export only sluice_plugin_entry_v1, it exports: $exports"
[[ -f $manifest ]] || fail "no manifest $manifest"
grep -qx 'name = "jsonl-file"' "$manifest" || fail "manifest without name = \"jsonl-file\""
grep -qx 'kind = "sink"' "$manifest" || fail "manifest without kind = \"sink\""
grep -qx 'abi_major = 1' "$manifest" || fail "manifest without abi_major = 1"

echo "== installed sluice-plugin-conformance on $library"
"$prefix/bin/sluice-plugin-conformance" "$library" --set "path=$work_dir/out.jsonl" \
  --invalid-set "path=$work_dir/no-such-directory/out.jsonl" --batches 1 |
  tee "$work_dir/conformance.txt" || fail "the conformance tool reported failures"
[[ $(tail -n 1 "$work_dir/conformance.txt") == "9 passed, 0 failed" ]] ||
  fail "the example does not pass every conformance check"

echo "== the example's own test (add_test with the imported Sluice::conformance)"
(cd "$work_dir/build" && ctest --output-on-failure >"$work_dir/ctest.log" 2>&1) ||
  { cat "$work_dir/ctest.log"; fail "the example's ctest failed"; }

echo "== the JSON lines"
# Several checks write the same transactions (and the shutdown check a timing-dependent part of
# them), so compare the distinct lines.
if ! diff <(LC_ALL=C sort -u "$expected") <(LC_ALL=C sort -u "$work_dir/out.jsonl"); then
  fail "$work_dir/out.jsonl differs from $expected (< expected, > written)"
fi
echo "$(wc -l <"$work_dir/out.jsonl") lines, $(LC_ALL=C sort -u "$work_dir/out.jsonl" | wc -l) distinct, as expected"

echo "== the real plugin host loads the out-of-tree plugin and feeds it transactions"
mkdir -p "$work_dir/host-plugins"
chmod 755 "$work_dir/host-plugins"
cp "$library" "$manifest" "$work_dir/host-plugins/"
rm -f "$work_dir/host-out.jsonl"
cat >"$work_dir/host.toml" <<TOML
plugins-dir = "$work_dir/host-plugins"
[[sink]]
name = "lines"
plugin = "jsonl-file"
[sink.config]
path = "$work_dir/host-out.jsonl"
TOML
"$sluice_binary" plugins feed --config "$work_dir/host.toml" --transactions 7 --batch-size 3 |
  tee "$work_dir/feed.txt" || fail "sluice plugins feed failed"
grep -q "sink lines .* all acknowledged" "$work_dir/feed.txt" || fail "the host did not see every transaction acknowledged"
[[ $(wc -l <"$work_dir/host-out.jsonl") -eq 7 ]] || fail "expected 7 JSON lines from the host, got $(wc -l <"$work_dir/host-out.jsonl")"
grep -q '"customer":"customer-6"' "$work_dir/host-out.jsonl" || fail "the fed rows are not in $work_dir/host-out.jsonl"
echo "the host fed 7 transactions to jsonl-file"
