#pragma once
// PluginHost: the facade a daemon uses to run plugins from its configuration.
//
//   plugins-dir = "/opt/sluice/plugins"          # optional; default: plugins/ beside the binary
//   [[translator]]  name = "json", plugin = "json-translator"  [translator.config] ...
//   [[filter]]      name = "skip-tmp", plugin = "table-filter"  [filter.config] ...
//   [[sink]]        name = "files", plugin = "file", translator = "json"  [sink.config] ...
//
// configure() reads that, scans the plugins directory (every manifest before any library) and
// loads the configured plugins; validate_all() runs each plugin's validate (no instance, no I/O:
// `drainer --check-config`); create_all() creates translators, then filters, then sinks.
// `name` (default: the plugin's name) is unique per kind. A sink's `translator` names a
// [[translator]] instance or, failing that, a translator plugin (then an instance with an empty
// config is made). Each `config` table is handed whole to the plugin and marked opaque in the
// ConfigDocument; keys in it the plugin did not read during validate are warned about.
// Errors name the config file and line where known, the instance and the plugin.
//
// Ownership: the host owns every instance; they are destroyed sinks first, then filters, then
// translators. Thread-safety: configure/validate_all/create_all on one thread; afterwards each
// instance is thread-safe and request_stop() may be called from any thread.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml.hpp>

#include "core/common/status.h"
#include "core/config/config_document.h"
#include "core/metrics/metrics_registry.h"
#include "core/plugin_host/filter_instance.h"
#include "core/plugin_host/metrics_bridge.h"
#include "core/plugin_host/plugin_catalog.h"
#include "core/plugin_host/plugin_loader.h"
#include "core/plugin_host/retry_policy.h"
#include "core/plugin_host/sink_instance.h"
#include "core/plugin_host/stop_signal.h"
#include "core/plugin_host/translator_instance.h"

namespace sluice::plugin_host {

struct PluginHostOptions {
  // The plugins directory when the config has no `plugins-dir` (empty: default_plugins_dir()).
  std::filesystem::path plugins_dir;
  // Where plugin metrics go: the daemon's registry (a copy shares it).
  metrics::MetricsRegistry metrics;
  // How SLUICE_RETRY answers are retried.
  RetryPolicy retry;
};

class PluginHost {
 public:
  explicit PluginHost(PluginHostOptions options = {});
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Reads the plugin settings from the root of the daemon's config, scans the plugins
  // directory and loads the configured plugins. Returns every problem found (one per line).
  // Instances whose plugin loaded can still be validated after a failure. Call once.
  Status configure(config::ConfigSection root);

  // Runs validate on every configured instance whose plugin loaded, without creating instances
  // or doing I/O, and returns every problem (empty: all valid). Warns about unread config keys.
  std::vector<Status> validate_all();

  // Validates, then creates translators, filters and sinks in config order. On failure nothing
  // stays created and the error says which instance failed and why.
  Status create_all();

  SinkInstance* sink(std::string_view name) const;
  FilterInstance* filter(std::string_view name) const;
  TranslatorInstance* translator(std::string_view name) const;
  std::vector<SinkInstance*> sinks() const;
  std::vector<FilterInstance*> filters() const;
  std::vector<TranslatorInstance*> translators() const;

  // Sets the stop flag plugins see and cuts retry back-off short.
  void request_stop() { stop_.request_stop(); }
  const StopSignal& stop_signal() const { return stop_; }

  const PluginCatalog& catalog() const { return catalog_; }
  const std::filesystem::path& plugins_dir() const { return catalog_.directory(); }
  metrics::MetricsRegistry& metrics() { return metrics_->registry(); }
  // Every warning so far (each also logged): refused plugins nobody configured, plugin config
  // keys the plugin did not read.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct InstanceSpec {
    PluginKind kind = PluginKind::kSink;
    std::string name;
    std::string plugin_name;
    std::string location;     // "<file>:<line>" of the entry's `plugin` key, or ""
    std::string config_path;  // "sink[0].config"
    toml::value config;       // the `config` table, or an empty value
    std::optional<config::ConfigSection> section;  // absent for implicit translators
    std::string translator_ref;                    // sinks: the `translator` key
    std::optional<size_t> translator_spec;         // sinks: index into specs_
    bool implicit = false;  // a translator made for a sink's `translator = "<plugin>"`
    std::shared_ptr<const LoadedPlugin> plugin;
  };

  Status read_specs(config::ConfigSection& root, PluginKind kind, std::vector<Status>& problems);
  void resolve_translators(std::vector<Status>& problems);
  std::unique_ptr<HostContext> make_context(const InstanceSpec& spec);
  std::string describe(const InstanceSpec& spec) const;
  Status located(const InstanceSpec& spec, const Status& status) const;
  void warn(std::string message);
  void warn_unread_keys(const InstanceSpec& spec, const HostContext& context);
  void destroy_all();

  PluginHostOptions options_;
  std::shared_ptr<MetricsBridge> metrics_;
  StopSignal stop_;
  PluginCatalog catalog_;
  std::vector<InstanceSpec> specs_;  // translators, filters, sinks, each in config order
  bool configure_called_ = false;
  bool configured_ = false;
  std::vector<std::string> warnings_;
  std::set<std::string> warned_;

  // Declared in creation order, so members are destroyed sinks first.
  std::vector<std::unique_ptr<TranslatorInstance>> translators_;
  std::vector<std::unique_ptr<FilterInstance>> filters_;
  std::vector<std::unique_ptr<SinkInstance>> sinks_;
};

}  // namespace sluice::plugin_host
