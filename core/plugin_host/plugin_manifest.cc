#include "core/plugin_host/plugin_manifest.h"

#include <fmt/format.h>

#include <regex>

#include "core/config/config_document.h"

#ifndef SLUICE_PLATFORM
#error "SLUICE_PLATFORM must be defined by the build (sluice_platform_string())"
#endif

namespace sluice::plugin_host {
namespace {

// The same rule sluice_add_plugin() applies to plugin names.
bool valid_plugin_name(const std::string& name) {
  static const std::regex kNamePattern("^[a-z0-9][a-z0-9_.-]*$");
  return std::regex_match(name, kNamePattern);
}

Status read_required(config::ConfigSection& root, std::string_view key, std::string& out) {
  if (!root.has(key)) return root.error(key, "is required");
  return root.read(key, out);
}

Status read_required(config::ConfigSection& root, std::string_view key, int64_t& out) {
  if (!root.has(key)) return root.error(key, "is required");
  SLUICE_RETURN_IF_ERROR(root.read(key, out));
  if (out < 0) return root.error(key, fmt::format("must not be negative, found {}", out));
  return Status::ok();
}

}  // namespace

std::string_view host_platform() {
  return SLUICE_PLATFORM;
}

Result<PluginManifest> read_manifest(const std::filesystem::path& path) {
  auto document = config::ConfigDocument::load_file(path);
  if (!document.is_ok()) {
    return Status(document.status().code(),
                  fmt::format("plugin manifest {} is malformed: {}", path.string(),
                              document.status().message()));
  }
  config::ConfigSection root = (*document)->root();
  PluginManifest manifest;
  manifest.manifest_path = path;
  std::string kind;
  std::string library;
  Status status = read_required(root, "name", manifest.name);
  if (status.is_ok()) status = read_required(root, "kind", kind);
  if (status.is_ok()) status = read_required(root, "version", manifest.version);
  if (status.is_ok()) status = read_required(root, "abi_major", manifest.abi_major);
  if (status.is_ok()) status = read_required(root, "abi_minor", manifest.abi_minor);
  if (status.is_ok()) status = read_required(root, "platform", manifest.platform);
  if (status.is_ok()) status = read_required(root, "build_id", manifest.build_id);
  if (status.is_ok()) status = read_required(root, "library", library);
  if (!status.is_ok()) {
    return Status::invalid_argument(
        fmt::format("plugin manifest {} is malformed: {}", path.string(), status.message()));
  }
  const auto malformed = [&](std::string_view key, std::string_view message) {
    return Status::invalid_argument(fmt::format("plugin manifest {} is malformed: {}",
                                                path.string(), root.error(key, message).message()));
  };
  if (!valid_plugin_name(manifest.name)) {
    return malformed("name", fmt::format("'{}' is not a valid plugin name (lower-case letters, "
                                         "digits, '_', '-', '.'; starting with a letter or digit)",
                                         manifest.name));
  }
  const auto parsed_kind = parse_plugin_kind(kind);
  if (!parsed_kind) {
    return malformed("kind",
                     fmt::format("unknown kind '{}' (expected sink, filter or translator)", kind));
  }
  manifest.kind = *parsed_kind;
  if (library.empty() || library == "." || library == ".." ||
      library.find('/') != std::string::npos) {
    return malformed("library", fmt::format("'{}' must be the file name of a library in the "
                                            "manifest's directory",
                                            library));
  }
  manifest.library_path = path.parent_path() / library;
  return manifest;
}

Status check_manifest_compatibility(const PluginManifest& manifest) {
  const std::string file = manifest.manifest_path.string();
  if (manifest.abi_major != kHostAbiMajor) {
    return Status::failed_precondition(
        fmt::format("plugin manifest {}: plugin '{}' was built for ABI {}.x, this host speaks "
                    "{}.{}; not loaded",
                    file, manifest.name, manifest.abi_major, kHostAbiMajor, kHostAbiMinor));
  }
  if (manifest.abi_minor > kHostAbiMinor) {
    return Status::failed_precondition(fmt::format(
        "plugin manifest {}: plugin '{}' was built for ABI {}.{}, newer than this host's {}.{} "
        "(it may need host functions this host lacks); not loaded",
        file, manifest.name, manifest.abi_major, manifest.abi_minor, kHostAbiMajor, kHostAbiMinor));
  }
  if (manifest.platform != host_platform()) {
    return Status::failed_precondition(
        fmt::format("plugin manifest {}: plugin '{}' was built for platform '{}', this host is "
                    "'{}'; not loaded",
                    file, manifest.name, manifest.platform, host_platform()));
  }
  return Status::ok();
}

}  // namespace sluice::plugin_host
