// libFuzzer target: the <stem>.plugin.toml manifest the host reads from the plugin directory
// before it loads any library. A manifest that reads must name a valid plugin and a library file
// in its own directory.
// fuzz-sources: core/plugin_host/plugin_manifest.cc core/plugin_host/plugin_kind.cc
// fuzz-sources: core/config/config_document.cc core/common/status.cc
// fuzz-libs: -lspdlog -lfmt
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/plugin_host/plugin_manifest.h"
#include "tests/fuzz/fuzz_temp_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::plugin_host;
  const auto path = sluice::fuzz::write_temp_file(
      "fuzz.plugin.toml", std::string_view(reinterpret_cast<const char*>(data), size));
  auto manifest = read_manifest(path);
  if (!manifest.is_ok()) return 0;
  if (manifest->name.empty() || manifest->abi_major < 0 || manifest->abi_minor < 0) std::abort();
  if (manifest->library_path.parent_path() != path.parent_path()) std::abort();
  if (parse_plugin_kind(plugin_kind_name(manifest->kind)) != manifest->kind) std::abort();
  (void)check_manifest_compatibility(*manifest);
  return 0;
}
