#pragma once
// PluginManifest: the sidecar <stem>.plugin.toml that sluice_add_plugin() writes beside each
// <stem>.so. The host reads and checks every manifest before it loads any library, so an
// incompatible plugin (wrong ABI major, newer ABI minor, other platform) is refused without
// running a line of its code. Value types and pure functions: safe from any thread.

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/plugin_host/plugin_kind.h"

namespace sluice::plugin_host {

// The ABI version this host speaks: the plugin_abi.h it was compiled with.
inline constexpr int64_t kHostAbiMajor = SLUICE_ABI_VERSION_MAJOR;
inline constexpr int64_t kHostAbiMinor = SLUICE_ABI_VERSION_MINOR;

// The host's platform, "<system>-<processor>" in lower case (e.g. "linux-x86_64"), computed by
// CMake's sluice_platform_string() exactly as for plugin manifests.
std::string_view host_platform();

struct PluginManifest {
  std::filesystem::path manifest_path;  // the .plugin.toml file itself
  std::string name;                     // the plugin's name, as configs refer to it
  PluginKind kind = PluginKind::kSink;
  std::string version;
  int64_t abi_major = 0;
  int64_t abi_minor = 0;
  std::string platform;
  std::string build_id;
  std::filesystem::path library_path;  // the manifest's directory / `library`
};

// Reads and type-checks a manifest. Errors name the file (and the line when TOML says so):
// unreadable file, bad TOML, a missing or wrongly typed key, an unknown kind, a bad name, a
// `library` that is not a plain file name.
Result<PluginManifest> read_manifest(const std::filesystem::path& path);

// Whether this host can load what the manifest describes: same ABI major, an ABI minor no newer
// than the host's, same platform. The error names the manifest, what it was built for and what
// the host speaks.
Status check_manifest_compatibility(const PluginManifest& manifest);

}  // namespace sluice::plugin_host
