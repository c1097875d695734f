#pragma once
// The plugin loader: opens the library a checked manifest names (Boost.DLL, RTLD_NOW |
// RTLD_LOCAL), calls its entry point with the host API table, and checks the descriptor it
// returns against the manifest and the ABI (sizes, kind, required callbacks).
// Libraries are kept in a process-lifetime registry, de-duplicated by canonical path, and never
// unloaded (plugin code may have started threads or registered callbacks). The registry is
// thread-safe. A LoadedPlugin is an immutable copy of the descriptor's fields: safe to share.

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/common/result.h"
#include "core/plugin_host/plugin_kind.h"
#include "core/plugin_host/plugin_manifest.h"

namespace sluice::plugin_host {

// Sizes of the ABI 1.0 structs: a plugin's structs are at least this large.
inline constexpr size_t kDescriptorSizeV1_0 =
    offsetof(sluice_plugin_descriptor_t, translator) + sizeof(void*);
inline constexpr size_t kSinkVtableSizeV1_0 =
    offsetof(sluice_sink_vtable_t, close) + sizeof(void (*)());
inline constexpr size_t kFilterVtableSizeV1_0 =
    offsetof(sluice_filter_vtable_t, filter) + sizeof(void (*)());
inline constexpr size_t kTranslatorVtableSizeV1_0 =
    offsetof(sluice_translator_vtable_t, content_type) + sizeof(const char*);
// A call table claiming more than this is corrupt, not a future minor version.
inline constexpr size_t kMaxVtableSize = 64 * 1024;

struct LoadedPlugin {
  PluginManifest manifest;
  std::filesystem::path library_path;  // canonical
  std::string name;
  std::string version;
  std::string description;
  PluginKind kind = PluginKind::kSink;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  uint32_t capabilities = 0;
  // The call table of `kind`, copied; fields beyond the plugin's struct_size are NULL.
  sluice_sink_vtable_t sink{};
  sluice_filter_vtable_t filter{};
  sluice_translator_vtable_t translator{};
  std::string content_type;  // translators: the optional content_type, or ""
  // validate/create/destroy of whichever table `kind` selects.
  sluice_status_t (*validate)(sluice_host_context_t*, const sluice_config_t*) = nullptr;
  sluice_status_t (*create)(sluice_host_context_t*, const sluice_config_t*, void**) = nullptr;
  void (*destroy)(void*) = nullptr;
};

// Checks what an entry point returned: non-NULL; struct_size at least ABI 1.0's; ABI major the
// host's and minor no newer; name and kind equal to the manifest's; the call table of the kind
// present with a plausible struct_size and every required callback set. Errors name the library
// and what is wrong (e.g. the missing callback). Exposed for tests.
Result<LoadedPlugin> check_descriptor(const sluice_plugin_descriptor_t* descriptor,
                                      const PluginManifest& manifest,
                                      const std::filesystem::path& library_path);

// Loads (or finds already loaded) the library of a manifest that passed the catalog's checks,
// and checks its descriptor against that manifest. The manifest's compatibility is checked
// again first, so no incompatible code is ever run. No exception escapes.
Result<std::shared_ptr<const LoadedPlugin>> load_plugin(const PluginManifest& manifest);

}  // namespace sluice::plugin_host
