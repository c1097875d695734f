#pragma once
// Helpers for the plugin host's tests: fresh temporary plugin directories holding copies of the
// test plugins (so permissions, duplicates and manifests can be arranged per test), manifest
// rewriting, and reading the files recording plugins write. Not thread-safe.

#include <spdlog/logger.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_document.h"
#include "core/plugin_host/plugin_host.h"

namespace sluice::plugin_host::testing {

// Where the build put the test plugins.
std::filesystem::path built_plugins_dir();

// A fresh directory (mode 0755) removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Copies <name>.so and <name>.plugin.toml from the build into `directory`.
void copy_plugin(std::string_view name, const std::filesystem::path& directory);
// Copies only the library or only the manifest.
void copy_library(std::string_view name, const std::filesystem::path& directory);
void copy_manifest(std::string_view name, const std::filesystem::path& directory);

// Replaces the line `key = ...` of a manifest by `key = <value>` (value as TOML text).
void set_manifest_key(const std::filesystem::path& manifest, std::string_view key,
                      std::string_view value);

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view text);
// The lines of a file; empty when it does not exist.
std::vector<std::string> read_lines(const std::filesystem::path& path);

// While alive, spdlog's default logger writes into a string (the previous one is restored).
class CapturedLog {
 public:
  CapturedLog();
  ~CapturedLog();
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

// A retry policy that does not make tests wait.
RetryPolicy fast_retry(int max_attempts = 5);

// A configured host: parses `config_toml` (as "drainer.toml") and configures a host on
// `plugins_dir` with it. `configure_status` receives configure()'s result.
struct ConfiguredHost {
  std::shared_ptr<config::ConfigDocument> document;
  std::unique_ptr<PluginHost> host;
  Status configure_status;
};
ConfiguredHost configure_host(const std::filesystem::path& plugins_dir,
                              std::string_view config_toml, RetryPolicy retry = fast_retry(),
                              metrics::MetricsRegistry metrics = {});

// A usable manifest for `name` from the catalog of `directory` (asserts it is there).
PluginManifest manifest_in(const std::filesystem::path& directory, std::string_view name);

}  // namespace sluice::plugin_host::testing
