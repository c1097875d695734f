#include "core/plugin_host/host_context.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/plugin_host/translator_instance.h"

namespace sluice::plugin_host {
namespace {

spdlog::level::level_enum to_spdlog(int32_t level) {
  switch (level) {
    case SLUICE_LOG_TRACE:
      return spdlog::level::trace;
    case SLUICE_LOG_DEBUG:
      return spdlog::level::debug;
    case SLUICE_LOG_WARN:
      return spdlog::level::warn;
    case SLUICE_LOG_ERROR:
      return spdlog::level::err;
    default:
      return spdlog::level::info;
  }
}

}  // namespace

HostContext::HostContext(std::string plugin_name, PluginKind kind, std::string instance_name,
                         toml::value config, std::string config_path, const StopSignal* stop,
                         std::shared_ptr<MetricsBridge> metrics)
    : plugin_name_(std::move(plugin_name)),
      kind_(kind),
      instance_name_(std::move(instance_name)),
      description_(fmt::format("{} '{}' (plugin {})", plugin_kind_name(kind_), instance_name_,
                               plugin_name_)),
      config_(std::move(config), std::move(config_path)),
      stop_(stop),
      metrics_(std::move(metrics)) {
  // Also logged: the SDK turns a failed secret read into "absent", losing this explanation.
  config_.set_error_reporter([this](std::string_view message) {
    log(SLUICE_LOG_WARN, message);
    set_error(message);
  });
}

void HostContext::log(int32_t level, std::string_view message) const noexcept {
  try {
    spdlog::log(to_spdlog(level), "[{}/{}] {}", plugin_name_, instance_name_, message);
  } catch (...) {
    // A failed log line has nowhere else to go.
  }
}

void HostContext::set_error(std::string_view message) noexcept {
  try {
    std::lock_guard<std::mutex> lock(error_mutex_);
    error_.assign(message);
  } catch (...) {
    // Out of memory: the status code still reaches the host, without its message.
  }
}

void HostContext::clear_error() noexcept {
  std::lock_guard<std::mutex> lock(error_mutex_);
  error_.clear();
  translate_error_.clear();
}

std::string HostContext::error() const {
  std::lock_guard<std::mutex> lock(error_mutex_);
  if (translate_error_.empty() || error_.find(translate_error_) != std::string::npos) {
    return error_;
  }
  if (error_.empty()) return translate_error_;
  return fmt::format("{} ({})", error_, translate_error_);
}

void HostContext::ack_durable(int64_t durable_ts) noexcept {
  int64_t current = durable_ts_.load(std::memory_order_relaxed);
  while (durable_ts > current &&
         !durable_ts_.compare_exchange_weak(current, durable_ts, std::memory_order_acq_rel)) {
  }
}

void HostContext::report_ts_map(int64_t primary_ts, int64_t secondary_ts) noexcept {
  std::lock_guard<std::mutex> lock(ts_map_mutex_);
  if (!ts_map_ || primary_ts >= ts_map_->first) ts_map_.emplace(primary_ts, secondary_ts);
}

std::optional<std::pair<int64_t, int64_t>> HostContext::ts_map() const {
  std::lock_guard<std::mutex> lock(ts_map_mutex_);
  return ts_map_;
}

sluice_metric_t* HostContext::register_metric(int32_t kind, sluice_str_t name, sluice_str_t help,
                                              const sluice_str_t* label_pairs,
                                              size_t label_count) noexcept {
  if (metrics_ == nullptr || (name.data == nullptr && name.size != 0) ||
      (help.data == nullptr && help.size != 0)) {
    return nullptr;
  }
  return metrics_->register_metric(
      plugin_name_, instance_name_, kind, std::string_view(name.data, name.size),
      std::string_view(help.data, help.size), label_pairs, label_count);
}

sluice_status_t HostContext::translate(const sluice_transaction_t* transaction,
                                       sluice_str_t* out) noexcept {
  if (translator_ == nullptr) return SLUICE_UNSUPPORTED;
  if (transaction == nullptr || out == nullptr) return SLUICE_FATAL;
  try {
    std::lock_guard<std::mutex> lock(translate_mutex_);
    std::string message;
    const sluice_status_t status = translator_->encode(*transaction, translate_buffer_, &message);
    if (status != SLUICE_OK) {
      {
        std::lock_guard<std::mutex> error_lock(error_mutex_);
        translate_error_ = message;
      }
      set_error(message);
      return status;
    }
    const std::string_view bytes = translate_buffer_.view();
    *out = {bytes.data(), bytes.size()};
    return SLUICE_OK;
  } catch (...) {
    return SLUICE_FATAL;
  }
}

}  // namespace sluice::plugin_host
