#pragma once
// HostContext: the host's side of one plugin instance (or of one validate call), behind the
// opaque sluice_host_context_t the plugin passes back to host API calls. It carries the plugin's
// and the instance's names (log and error tags), the last error message the plugin set, the stop
// flag, the sink's durable watermark, the metrics bridge, the instance's config and, for sinks,
// the translator bound to it and the buffer translate() results live in.
// Owned by the instance wrapper (SinkInstance, ...) or by the PluginHost for validate calls; it
// must outlive every call the plugin makes with it. Every method is thread-safe.

#include <sluice/plugin_abi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <toml.hpp>

#include "core/plugin_host/host_buffer.h"
#include "core/plugin_host/metrics_bridge.h"
#include "core/plugin_host/plugin_config.h"
#include "core/plugin_host/plugin_kind.h"
#include "core/plugin_host/stop_signal.h"

namespace sluice::plugin_host {

class TranslatorInstance;

class HostContext {
 public:
  // `config` is the instance's config table (any non-table means "none") at dotted path
  // `config_path`; `stop` and `metrics` may be null (no stop flag, no metrics).
  HostContext(std::string plugin_name, PluginKind kind, std::string instance_name,
              toml::value config, std::string config_path, const StopSignal* stop,
              std::shared_ptr<MetricsBridge> metrics);
  HostContext(const HostContext&) = delete;  // plugins hold pointers to it
  HostContext& operator=(const HostContext&) = delete;

  sluice_host_context_t* handle() { return reinterpret_cast<sluice_host_context_t*>(this); }
  static HostContext* from(sluice_host_context_t* context) {
    return reinterpret_cast<HostContext*>(context);
  }

  const std::string& plugin_name() const { return plugin_name_; }
  const std::string& instance_name() const { return instance_name_; }
  PluginKind kind() const { return kind_; }
  // "sink 'files' (plugin file)": how messages name this instance.
  const std::string& describe() const { return description_; }

  PluginConfig& config() { return config_; }
  const PluginConfig& config() const { return config_; }

  // Logs through spdlog with a "[plugin/instance]" prefix; unknown levels log as info.
  void log(int32_t level, std::string_view message) const noexcept;

  // The message explaining the status the current call returns (copied).
  void set_error(std::string_view message) noexcept;
  // Forgets the last message (and translate failure): the host calls this before each call.
  void clear_error() noexcept;
  // The message of the call that just returned, with the failure of a translate() it made
  // appended when the plugin's message does not already carry it; "" when there is none.
  std::string error() const;

  bool stop_requested() const noexcept { return stop_ != nullptr && stop_->stop_requested(); }
  const StopSignal* stop_signal() const { return stop_; }

  // The durable watermark: the largest commit_ts reported durable (flush or ack_durable).
  // Monotonic: smaller values are ignored.
  void ack_durable(int64_t durable_ts) noexcept;
  int64_t durable_ts() const noexcept { return durable_ts_.load(std::memory_order_acquire); }
  // The latest ts-map pair (upstream primary_ts, downstream secondary_ts) the sink reported.
  void report_ts_map(int64_t primary_ts, int64_t secondary_ts) noexcept;
  std::optional<std::pair<int64_t, int64_t>> ts_map() const;

  sluice_metric_t* register_metric(int32_t kind, sluice_str_t name, sluice_str_t help,
                                   const sluice_str_t* label_pairs, size_t label_count) noexcept;

  // The translator this sink's translate() calls go to (not owned; must outlive the context's
  // use). nullptr: translate() answers SLUICE_UNSUPPORTED.
  void bind_translator(TranslatorInstance* translator) { translator_ = translator; }
  TranslatorInstance* translator() const { return translator_; }
  // Encodes through the bound translator into this context's buffer; `out` then points at the
  // bytes until the next translate() on this context.
  sluice_status_t translate(const sluice_transaction_t* transaction, sluice_str_t* out) noexcept;

 private:
  std::string plugin_name_;
  PluginKind kind_;
  std::string instance_name_;
  std::string description_;
  PluginConfig config_;
  const StopSignal* stop_;
  std::shared_ptr<MetricsBridge> metrics_;

  mutable std::mutex error_mutex_;
  std::string error_;
  std::string translate_error_;

  std::atomic<int64_t> durable_ts_{0};
  mutable std::mutex ts_map_mutex_;
  std::optional<std::pair<int64_t, int64_t>> ts_map_;

  TranslatorInstance* translator_ = nullptr;
  std::mutex translate_mutex_;
  HostBuffer translate_buffer_;
};

}  // namespace sluice::plugin_host
