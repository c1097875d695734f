#include "core/plugin_host/plugin_loader.h"

#include <fmt/format.h>

#include <boost/dll/shared_library.hpp>
#include <boost/dll/shared_library_load_mode.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "core/plugin_host/host_api.h"

namespace sluice::plugin_host {
namespace {

// One opened library. Never closed: the registry below is deliberately leaked.
struct OpenedLibrary {
  boost::dll::shared_library library;
  const sluice_plugin_descriptor_t* descriptor = nullptr;
  Status entry_status;  // why the entry point gave nothing usable, when it did not
};

class LibraryRegistry {
 public:
  static LibraryRegistry& instance() {
    // Leaked on purpose: destroying it at exit would unload plugins whose threads or atexit
    // handlers may still run.
    static LibraryRegistry* const registry = std::make_unique<LibraryRegistry>().release();
    return *registry;
  }

  std::mutex mutex;
  std::map<std::string, std::unique_ptr<OpenedLibrary>> libraries;  // canonical path -> library
};

std::string c_string(const char* text) {
  return text == nullptr ? std::string() : std::string(text);
}

// Copies a plugin's call table of declared size `size` into a host struct; what the plugin's
// table does not have stays zero (NULL: "not supported").
template <typename Table>
Table copy_table(const Table* table) {
  Table copy{};
  std::memcpy(&copy, table, std::min(table->struct_size, sizeof(Table)));
  copy.struct_size = table->struct_size;
  return copy;
}

template <typename Table>
Status check_table(const Table* table, std::string_view kind, size_t v1_0_size,
                   const std::string& where) {
  if (table == nullptr) {
    return Status::failed_precondition(fmt::format(
        "{}: the descriptor declares kind {} but has no {} call table (NULL)", where, kind, kind));
  }
  if (table->struct_size < v1_0_size || table->struct_size > kMaxVtableSize) {
    return Status::failed_precondition(
        fmt::format("{}: the {} call table's struct_size {} is not plausible (ABI 1.0's is {}, "
                    "at most {} accepted)",
                    where, kind, table->struct_size, v1_0_size, kMaxVtableSize));
  }
  return Status::ok();
}

Status missing_callbacks(const std::vector<std::string_view>& missing, std::string_view kind,
                         const std::string& where) {
  if (missing.empty()) return Status::ok();
  return Status::failed_precondition(
      fmt::format("{}: the {} call table lacks required callback{} {} (NULL)", where, kind,
                  missing.size() == 1 ? "" : "s", fmt::join(missing, ", ")));
}

}  // namespace

Result<LoadedPlugin> check_descriptor(const sluice_plugin_descriptor_t* descriptor,
                                      const PluginManifest& manifest,
                                      const std::filesystem::path& library_path) {
  const std::string where = fmt::format("plugin '{}' ({})", manifest.name, library_path.string());
  if (descriptor == nullptr) {
    return Status::failed_precondition(
        fmt::format("{}: its entry point {} returned NULL: the plugin declined to run with this "
                    "host (its log may say why)",
                    where, SLUICE_PLUGIN_ENTRY_NAME));
  }
  if (descriptor->struct_size < kDescriptorSizeV1_0) {
    return Status::failed_precondition(
        fmt::format("{}: descriptor struct_size {} is smaller than ABI 1.0's descriptor ({})",
                    where, descriptor->struct_size, kDescriptorSizeV1_0));
  }
  if (descriptor->abi_major != kHostAbiMajor) {
    return Status::failed_precondition(
        fmt::format("{}: the descriptor says ABI {}.{}, this host speaks {}.{}", where,
                    descriptor->abi_major, descriptor->abi_minor, kHostAbiMajor, kHostAbiMinor));
  }
  if (descriptor->abi_minor > kHostAbiMinor) {
    return Status::failed_precondition(fmt::format(
        "{}: the descriptor says ABI {}.{}, newer than this host's {}.{} (it may need host "
        "functions this host lacks)",
        where, descriptor->abi_major, descriptor->abi_minor, kHostAbiMajor, kHostAbiMinor));
  }
  const std::string name = c_string(descriptor->name);
  if (name != manifest.name) {
    return Status::failed_precondition(
        fmt::format("{}: the descriptor's name '{}' differs from the name '{}' in manifest {}",
                    where, name, manifest.name, manifest.manifest_path.string()));
  }
  const auto kind = from_abi_kind(descriptor->kind);
  if (!kind) {
    return Status::failed_precondition(fmt::format(
        "{}: the descriptor's kind {} is not a kind this host knows", where, descriptor->kind));
  }
  if (*kind != manifest.kind) {
    return Status::failed_precondition(fmt::format(
        "{}: the descriptor's kind '{}' differs from the kind '{}' in manifest {}", where,
        plugin_kind_name(*kind), plugin_kind_name(manifest.kind), manifest.manifest_path.string()));
  }

  LoadedPlugin plugin;
  plugin.manifest = manifest;
  plugin.library_path = library_path;
  plugin.name = name;
  plugin.version = c_string(descriptor->version);
  plugin.description = c_string(descriptor->description);
  plugin.kind = *kind;
  plugin.abi_major = descriptor->abi_major;
  plugin.abi_minor = descriptor->abi_minor;
  plugin.capabilities = descriptor->capabilities;

  std::vector<std::string_view> missing;
  const auto require = [&missing](const void* callback, std::string_view callback_name) {
    if (callback == nullptr) missing.push_back(callback_name);
  };
  switch (*kind) {
    case PluginKind::kSink: {
      SLUICE_RETURN_IF_ERROR(check_table(descriptor->sink, "sink", kSinkVtableSizeV1_0, where));
      plugin.sink = copy_table(descriptor->sink);
      const auto& table = plugin.sink;
      require(reinterpret_cast<const void*>(table.validate), "validate");
      require(reinterpret_cast<const void*>(table.create), "create");
      require(reinterpret_cast<const void*>(table.destroy), "destroy");
      require(reinterpret_cast<const void*>(table.open), "open");
      require(reinterpret_cast<const void*>(table.write), "write");
      require(reinterpret_cast<const void*>(table.flush), "flush");
      require(reinterpret_cast<const void*>(table.close), "close");
      SLUICE_RETURN_IF_ERROR(missing_callbacks(missing, "sink", where));
      plugin.validate = table.validate;
      plugin.create = table.create;
      plugin.destroy = table.destroy;
      break;
    }
    case PluginKind::kFilter: {
      SLUICE_RETURN_IF_ERROR(
          check_table(descriptor->filter, "filter", kFilterVtableSizeV1_0, where));
      plugin.filter = copy_table(descriptor->filter);
      const auto& table = plugin.filter;
      require(reinterpret_cast<const void*>(table.validate), "validate");
      require(reinterpret_cast<const void*>(table.create), "create");
      require(reinterpret_cast<const void*>(table.destroy), "destroy");
      require(reinterpret_cast<const void*>(table.filter), "filter");
      SLUICE_RETURN_IF_ERROR(missing_callbacks(missing, "filter", where));
      plugin.validate = table.validate;
      plugin.create = table.create;
      plugin.destroy = table.destroy;
      break;
    }
    case PluginKind::kTranslator: {
      SLUICE_RETURN_IF_ERROR(
          check_table(descriptor->translator, "translator", kTranslatorVtableSizeV1_0, where));
      plugin.translator = copy_table(descriptor->translator);
      const auto& table = plugin.translator;
      require(reinterpret_cast<const void*>(table.validate), "validate");
      require(reinterpret_cast<const void*>(table.create), "create");
      require(reinterpret_cast<const void*>(table.destroy), "destroy");
      require(reinterpret_cast<const void*>(table.encode), "encode");
      SLUICE_RETURN_IF_ERROR(missing_callbacks(missing, "translator", where));
      plugin.validate = table.validate;
      plugin.create = table.create;
      plugin.destroy = table.destroy;
      plugin.content_type = c_string(table.content_type);
      break;
    }
  }
  return plugin;
}

Result<std::shared_ptr<const LoadedPlugin>> load_plugin(const PluginManifest& manifest) {
  // Decided before any of the plugin's code (static initialisers included) can run.
  SLUICE_RETURN_IF_ERROR(check_manifest_compatibility(manifest));

  std::error_code error;
  const std::filesystem::path canonical = std::filesystem::canonical(manifest.library_path, error);
  if (error) {
    return Status::not_found(fmt::format("plugin '{}': library {}: {}", manifest.name,
                                         manifest.library_path.string(), error.message()));
  }
  const std::string where = fmt::format("plugin '{}' ({})", manifest.name, canonical.string());

  LibraryRegistry& registry = LibraryRegistry::instance();
  std::lock_guard<std::mutex> lock(registry.mutex);
  auto it = registry.libraries.find(canonical.string());
  if (it == registry.libraries.end()) {
    auto opened = std::make_unique<OpenedLibrary>();
    try {
      opened->library.load(boost::dll::fs::path(canonical.string()),
                           boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& exception) {
      return Status::failed_precondition(
          fmt::format("{}: cannot load the library: {}", where, exception.what()));
    }
    if (!opened->library.has(SLUICE_PLUGIN_ENTRY_NAME)) {
      opened->entry_status = Status::failed_precondition(
          fmt::format("{}: the library does not export the entry symbol {} (was it built with a "
                      "SLUICE_*_PLUGIN registration macro for ABI {}?)",
                      where, SLUICE_PLUGIN_ENTRY_NAME, kHostAbiMajor));
    } else {
      try {
        auto& entry = opened->library.get<std::remove_pointer_t<sluice_plugin_entry_fn>>(
            SLUICE_PLUGIN_ENTRY_NAME);
        ScopedLoadingPlugin tag(manifest.name);
        // Called exactly once per library; the descriptor is static in the library.
        opened->descriptor = entry(host_api());
      } catch (const std::exception& exception) {
        opened->entry_status = Status::failed_precondition(
            fmt::format("{}: its entry point failed: {}", where, exception.what()));
      } catch (...) {
        opened->entry_status =
            Status::failed_precondition(fmt::format("{}: its entry point threw", where));
      }
    }
    // Kept even when refused: its code may already have run, so it is never unloaded.
    it = registry.libraries.emplace(canonical.string(), std::move(opened)).first;
  }
  const OpenedLibrary& opened = *it->second;
  SLUICE_RETURN_IF_ERROR(opened.entry_status);
  auto plugin = check_descriptor(opened.descriptor, manifest, canonical);
  if (!plugin.is_ok()) return plugin.status();
  return std::make_shared<const LoadedPlugin>(std::move(*plugin));
}

}  // namespace sluice::plugin_host
