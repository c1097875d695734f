#pragma once
// PluginCatalog: what a plugins directory offers. scan() reads every <stem>.plugin.toml (and
// notes every <stem>.so) before anything is loaded, and sorts the plugins into usable ones and
// refusals, each refusal with a message naming the file and the reason. A refusal is only an
// error for a plugin the configuration asks for (require()); the rest are warnings.
// A catalog is an immutable value after scan(): safe to read from any thread.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/plugin_host/plugin_manifest.h"

namespace sluice::plugin_host {

struct PluginRefusal {
  std::string name;            // the manifest's name, or the library's stem when unknown
  std::filesystem::path file;  // the manifest or library refused
  Status reason;               // names the file and why
};

class PluginCatalog {
 public:
  // Scans `directory`. Never fails as a whole: a missing, unreadable or untrusted directory is
  // recorded in directory_status() and makes every require() fail with that reason.
  static PluginCatalog scan(const std::filesystem::path& directory);

  const std::filesystem::path& directory() const { return directory_; }
  const Status& directory_status() const { return directory_status_; }
  // Usable plugins (manifest read, compatible, files trusted), sorted by name.
  const std::vector<PluginManifest>& plugins() const { return plugins_; }
  // Every refusal, sorted by file.
  const std::vector<PluginRefusal>& refusals() const { return refusals_; }

  // The usable plugin called `name`, or nullptr.
  const PluginManifest* find(std::string_view name) const;
  // The usable plugin called `name`, or an error: the refusal reasons for that name, the
  // directory's problem, or "not found" listing what the directory offers.
  Result<PluginManifest> require(std::string_view name) const;
  // "a (sink), b (filter)": what the directory offers, for messages.
  std::string describe_found() const;

 private:
  std::filesystem::path directory_;
  Status directory_status_;
  std::vector<PluginManifest> plugins_;
  std::vector<PluginRefusal> refusals_;
};

// The default plugins directory: `plugins/` beside the running executable (/proc/self/exe).
std::filesystem::path default_plugins_dir();

}  // namespace sluice::plugin_host
