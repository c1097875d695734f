#include "core/plugin_host/host_api.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <string_view>

#include "core/plugin_host/host_context.h"
#include "core/plugin_host/metrics_bridge.h"
#include "core/plugin_host/plugin_config.h"

namespace sluice::plugin_host {
namespace {

thread_local const std::string* loading_plugin = nullptr;

std::string_view view(const char* data, size_t size) {
  return data == nullptr ? std::string_view() : std::string_view(data, size);
}

std::string_view view(sluice_str_t text) {
  return view(text.data, text.size);
}

HostContext* context_of(sluice_host_context_t* ctx) {
  return ctx == nullptr ? nullptr : HostContext::from(ctx);
}

const PluginConfig* config_of(const sluice_config_t* config) {
  return config == nullptr ? nullptr : PluginConfig::from(config);
}

void api_log(sluice_host_context_t* ctx, int32_t level, const char* message,
             size_t length) noexcept {
  if (HostContext* context = context_of(ctx)) {
    context->log(level, view(message, length));
    return;
  }
  try {
    // Both arms string_view: a std::string arm would make the result a dangling temporary.
    const std::string_view plugin =
        loading_plugin != nullptr ? std::string_view(*loading_plugin) : std::string_view("plugin");
    spdlog::log(level >= SLUICE_LOG_ERROR  ? spdlog::level::err
                : level == SLUICE_LOG_WARN ? spdlog::level::warn
                                           : spdlog::level::info,
                "[{}] {}", plugin, view(message, length));
  } catch (...) {
  }
}

void api_set_error(sluice_host_context_t* ctx, const char* message, size_t length) noexcept {
  if (HostContext* context = context_of(ctx)) context->set_error(view(message, length));
}

int64_t api_wall_clock_ns(sluice_host_context_t*) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t api_monotonic_clock_ns(sluice_host_context_t*) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int32_t api_stop_requested(sluice_host_context_t* ctx) noexcept {
  const HostContext* context = context_of(ctx);
  return context != nullptr && context->stop_requested() ? 1 : 0;
}

void api_ack_durable(sluice_host_context_t* ctx, int64_t durable_ts) noexcept {
  if (HostContext* context = context_of(ctx)) context->ack_durable(durable_ts);
}

sluice_metric_t* api_metric_register(sluice_host_context_t* ctx, int32_t kind, sluice_str_t name,
                                     sluice_str_t help, const sluice_str_t* label_pairs,
                                     size_t label_count) noexcept {
  HostContext* context = context_of(ctx);
  if (context == nullptr) return nullptr;
  return context->register_metric(kind, name, help, label_pairs, label_count);
}

void api_metric_add(sluice_metric_t* metric, double delta) noexcept {
  MetricsBridge::add(metric, delta);
}

void api_metric_set(sluice_metric_t* metric, double value) noexcept {
  MetricsBridge::set(metric, value);
}

void api_metric_observe(sluice_metric_t* metric, double value) noexcept {
  MetricsBridge::observe(metric, value);
}

// Config calls may allocate (key strings); memory exhaustion must not unwind into the plugin.
template <typename Call>
sluice_status_t config_call(const sluice_config_t* config, Call&& call) noexcept {
  const PluginConfig* plugin_config = config_of(config);
  if (plugin_config == nullptr) return SLUICE_INVALID_CONFIG;
  try {
    return call(*plugin_config);
  } catch (...) {
    return SLUICE_FATAL;
  }
}

int32_t api_config_type(const sluice_config_t* config, sluice_str_t key) noexcept {
  const PluginConfig* plugin_config = config_of(config);
  if (plugin_config == nullptr) return SLUICE_CONFIG_ABSENT;
  try {
    return plugin_config->type(view(key));
  } catch (...) {
    return SLUICE_CONFIG_ABSENT;
  }
}

sluice_status_t api_config_get_bool(const sluice_config_t* config, sluice_str_t key,
                                    int32_t* out) noexcept {
  return config_call(config, [&](const PluginConfig& c) { return c.get_bool(view(key), out); });
}

sluice_status_t api_config_get_int(const sluice_config_t* config, sluice_str_t key,
                                   int64_t* out) noexcept {
  return config_call(config, [&](const PluginConfig& c) { return c.get_int(view(key), out); });
}

sluice_status_t api_config_get_double(const sluice_config_t* config, sluice_str_t key,
                                      double* out) noexcept {
  return config_call(config, [&](const PluginConfig& c) { return c.get_double(view(key), out); });
}

sluice_status_t api_config_get_string(const sluice_config_t* config, sluice_str_t key,
                                      sluice_str_t* out) noexcept {
  return config_call(config, [&](const PluginConfig& c) { return c.get_string(view(key), out); });
}

sluice_status_t api_config_get_secret(const sluice_config_t* config, sluice_str_t key,
                                      sluice_str_t* out) noexcept {
  return config_call(config, [&](const PluginConfig& c) { return c.get_secret(view(key), out); });
}

sluice_status_t api_config_array_size(const sluice_config_t* config, sluice_str_t key,
                                      size_t* out) noexcept {
  return config_call(config, [&](const PluginConfig& c) { return c.array_size(view(key), out); });
}

sluice_status_t api_config_get_string_at(const sluice_config_t* config, sluice_str_t key,
                                         size_t index, sluice_str_t* out) noexcept {
  return config_call(config,
                     [&](const PluginConfig& c) { return c.get_string_at(view(key), index, out); });
}

sluice_str_t api_instance_name(sluice_host_context_t* ctx) noexcept {
  const HostContext* context = context_of(ctx);
  if (context == nullptr) return {nullptr, 0};
  return {context->instance_name().data(), context->instance_name().size()};
}

void* api_host_alloc(size_t size) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}

void api_host_free(void* pointer) noexcept {
  std::free(pointer);
}

sluice_status_t api_translate(sluice_host_context_t* ctx, const sluice_transaction_t* transaction,
                              sluice_str_t* out) noexcept {
  HostContext* context = context_of(ctx);
  if (context == nullptr) return SLUICE_UNSUPPORTED;
  return context->translate(transaction, out);
}

void api_report_ts_map(sluice_host_context_t* ctx, int64_t primary_ts,
                       int64_t secondary_ts) noexcept {
  if (HostContext* context = context_of(ctx)) context->report_ts_map(primary_ts, secondary_ts);
}

constexpr sluice_host_api_t kHostApi = {
    sizeof(sluice_host_api_t),
    SLUICE_ABI_VERSION_MAJOR,
    SLUICE_ABI_VERSION_MINOR,
    &api_log,
    &api_set_error,
    &api_wall_clock_ns,
    &api_monotonic_clock_ns,
    &api_stop_requested,
    &api_ack_durable,
    &api_metric_register,
    &api_metric_add,
    &api_metric_set,
    &api_metric_observe,
    &api_config_type,
    &api_config_get_bool,
    &api_config_get_int,
    &api_config_get_double,
    &api_config_get_string,
    &api_config_get_secret,
    &api_config_array_size,
    &api_config_get_string_at,
    &api_instance_name,
    &api_host_alloc,
    &api_host_free,
    &api_translate,
    &api_report_ts_map,
};

}  // namespace

const sluice_host_api_t* host_api() {
  return &kHostApi;
}

ScopedLoadingPlugin::ScopedLoadingPlugin(const std::string& plugin_name)
    : previous_(loading_plugin) {
  loading_plugin = &plugin_name;
}

ScopedLoadingPlugin::~ScopedLoadingPlugin() {
  loading_plugin = previous_;
}

}  // namespace sluice::plugin_host
