#include "core/plugin_host/plugin_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

#include "core/plugin_host/file_trust.h"

namespace sluice::plugin_host {
namespace {

constexpr std::string_view kManifestSuffix = ".plugin.toml";
constexpr std::string_view kLibrarySuffix = ".so";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string strip(std::string_view text, std::string_view suffix) {
  return std::string(text.substr(0, text.size() - suffix.size()));
}

}  // namespace

PluginCatalog PluginCatalog::scan(const std::filesystem::path& directory) {
  PluginCatalog catalog;
  catalog.directory_ = directory;

  std::error_code error;
  if (!std::filesystem::exists(directory, error)) {
    catalog.directory_status_ =
        Status::not_found(fmt::format("plugins directory {} does not exist", directory.string()));
    return catalog;
  }
  catalog.directory_status_ = check_directory_trust(directory, "plugins directory");
  if (!catalog.directory_status_.is_ok()) return catalog;

  // Names only, sorted, so messages and results do not depend on directory order.
  std::vector<std::filesystem::path> manifests;
  std::vector<std::filesystem::path> libraries;
  std::filesystem::directory_iterator it(directory, error);
  if (error) {
    catalog.directory_status_ = Status::io_error(
        fmt::format("plugins directory {}: cannot list: {}", directory.string(), error.message()));
    return catalog;
  }
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    const std::string file_name = it->path().filename().string();
    if (ends_with(file_name, kManifestSuffix)) {
      manifests.push_back(it->path());
    } else if (ends_with(file_name, kLibrarySuffix)) {
      libraries.push_back(it->path());
    }
  }
  if (error) {
    catalog.directory_status_ = Status::io_error(
        fmt::format("plugins directory {}: cannot list: {}", directory.string(), error.message()));
    return catalog;
  }
  std::sort(manifests.begin(), manifests.end());
  std::sort(libraries.begin(), libraries.end());

  // Every manifest is read before anything is loaded (nothing is loaded here at all).
  std::vector<PluginManifest> candidates;
  std::vector<PluginManifest> refused_manifests;  // read fine, refused for another reason
  std::set<std::filesystem::path> claimed_libraries;
  for (const auto& path : manifests) {
    const std::string stem = strip(path.filename().string(), kManifestSuffix);
    auto manifest = read_manifest(path);
    if (!manifest.is_ok()) {
      catalog.refusals_.push_back({stem, path, manifest.status()});
      continue;
    }
    claimed_libraries.insert(manifest->library_path);
    Status status = check_file_trust(path, "plugin manifest");
    if (status.is_ok()) status = check_manifest_compatibility(*manifest);
    if (status.is_ok() && !std::filesystem::exists(manifest->library_path, error)) {
      status = Status::not_found(fmt::format("plugin manifest {}: its library {} does not exist",
                                             path.string(), manifest->library_path.string()));
    }
    if (status.is_ok()) status = check_file_trust(manifest->library_path, "plugin library");
    if (!status.is_ok()) {
      catalog.refusals_.push_back({manifest->name, path, status});
      refused_manifests.push_back(std::move(*manifest));
      continue;
    }
    candidates.push_back(std::move(*manifest));
  }

  for (const auto& library : libraries) {
    if (claimed_libraries.count(library) != 0) continue;
    const std::string stem = strip(library.filename().string(), kLibrarySuffix);
    catalog.refusals_.push_back(
        {stem, library,
         Status::not_found(fmt::format(
             "plugin library {} has no manifest (expected {} beside it); not loaded, since "
             "compatibility must be known before any plugin code runs",
             library.string(), (directory / (stem + std::string(kManifestSuffix))).string()))});
  }

  // Two manifests with one name: neither is used, whichever the operator meant.
  std::map<std::string, std::vector<std::filesystem::path>> files_by_name;
  for (const auto& manifest : candidates) {
    files_by_name[manifest.name].push_back(manifest.manifest_path);
  }
  for (const auto& manifest : refused_manifests) {
    files_by_name[manifest.name].push_back(manifest.manifest_path);
  }
  for (auto& manifest : candidates) {
    const auto& files = files_by_name[manifest.name];
    if (files.size() < 2) {
      catalog.plugins_.push_back(std::move(manifest));
      continue;
    }
    std::vector<std::string> names;
    for (const auto& file : files)
      if (file != manifest.manifest_path) names.push_back(file.string());
    catalog.refusals_.push_back(
        {manifest.name, manifest.manifest_path,
         Status::already_exists(fmt::format(
             "plugin manifest {}: plugin name '{}' is also declared by {}; refusing both, "
             "remove one",
             manifest.manifest_path.string(), manifest.name, fmt::join(names, ", ")))});
  }
  std::sort(catalog.plugins_.begin(), catalog.plugins_.end(),
            [](const PluginManifest& a, const PluginManifest& b) { return a.name < b.name; });
  std::sort(catalog.refusals_.begin(), catalog.refusals_.end(),
            [](const PluginRefusal& a, const PluginRefusal& b) { return a.file < b.file; });
  return catalog;
}

const PluginManifest* PluginCatalog::find(std::string_view name) const {
  for (const auto& manifest : plugins_) {
    if (manifest.name == name) return &manifest;
  }
  return nullptr;
}

std::string PluginCatalog::describe_found() const {
  std::vector<std::string> found;
  for (const auto& manifest : plugins_) {
    found.push_back(fmt::format("{} ({})", manifest.name, plugin_kind_name(manifest.kind)));
  }
  std::vector<std::string> refused;
  for (const auto& refusal : refusals_) {
    refused.push_back(fmt::format("{} ({})", refusal.name, refusal.file.filename().string()));
  }
  std::string text =
      found.empty() ? "no usable plugins" : fmt::format("found: {}", fmt::join(found, ", "));
  if (!refused.empty()) text += fmt::format("; refused: {}", fmt::join(refused, ", "));
  return text;
}

Result<PluginManifest> PluginCatalog::require(std::string_view name) const {
  if (!directory_status_.is_ok()) {
    return Status(directory_status_.code(), fmt::format("plugin '{}' cannot be loaded: {}", name,
                                                        directory_status_.message()));
  }
  if (const PluginManifest* manifest = find(name)) return *manifest;
  std::vector<std::string> reasons;
  StatusCode code = StatusCode::kNotFound;
  for (const auto& refusal : refusals_) {
    if (refusal.name != name) continue;
    reasons.push_back(refusal.reason.message());
    code = refusal.reason.code();
  }
  if (!reasons.empty()) {
    return Status(code, fmt::format("plugin '{}' is refused: {}", name, fmt::join(reasons, "; ")));
  }
  return Status::not_found(
      fmt::format("plugin '{}' not found in {} ({})", name, directory_.string(), describe_found()));
}

std::filesystem::path default_plugins_dir() {
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::filesystem::path("plugins");
  return executable.parent_path() / "plugins";
}

}  // namespace sluice::plugin_host
