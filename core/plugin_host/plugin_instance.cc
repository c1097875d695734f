#include "core/plugin_host/plugin_instance.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace sluice::plugin_host {

Status validate_plugin(const LoadedPlugin& plugin, HostContext& context) {
  context.clear_error();
  PluginCallResult result;
  result.code = plugin.validate(context.handle(), context.config().handle());
  result.message = context.error();
  if (result.code == SLUICE_INVALID_CONFIG) {
    return Status::invalid_argument(fmt::format(
        "{}: invalid config: {}", context.describe(),
        result.message.empty() ? std::string("(the plugin gave no message)") : result.message));
  }
  return plugin_call_status(context.describe(), "validate", result);
}

PluginInstance::PluginInstance(std::shared_ptr<const LoadedPlugin> plugin,
                               std::unique_ptr<HostContext> context, RetryPolicy retry)
    : plugin_(std::move(plugin)), context_(std::move(context)), retry_(retry) {}

PluginInstance::~PluginInstance() {
  destroy_instance();
}

Status PluginInstance::create_instance() {
  std::lock_guard<std::mutex> lock(call_mutex_);
  void* stored = nullptr;
  const PluginCallResult result = call_once(
      [&] { return plugin_->create(context_->handle(), context_->config().handle(), &stored); });
  instance_ = stored;  // kept even on failure: destroy must see what create stored
  Status status = plugin_call_status(describe(), "create", result);
  if (!status.is_ok()) mark_failed(status);
  return status;
}

void PluginInstance::destroy_instance() {
  if (destroyed_) return;
  destroyed_ = true;
  plugin_->destroy(instance_);
  instance_ = nullptr;
}

PluginCallResult PluginInstance::call_once(const std::function<sluice_status_t()>& call) {
  context_->clear_error();
  PluginCallResult result;
  result.code = call();
  if (result.code != SLUICE_OK) result.message = context_->error();
  return result;
}

PluginCallResult PluginInstance::call_with_retry(std::string_view call_name,
                                                 const std::function<sluice_status_t()>& call) {
  const int max_attempts = std::max(1, retry_.max_attempts);
  for (int attempt = 1;; ++attempt) {
    PluginCallResult result = call_once(call);
    result.attempts = attempt;
    if (result.code != SLUICE_RETRY || attempt >= max_attempts) return result;
    const auto pause = retry_.backoff(attempt - 1);
    spdlog::warn("{}: {} asked to retry (attempt {} of {}), again in {} ms: {}", describe(),
                 call_name, attempt, max_attempts,
                 std::chrono::duration_cast<std::chrono::milliseconds>(pause).count(),
                 result.message.empty() ? "(no message)" : result.message);
    const StopSignal* stop = context_->stop_signal();
    if (stop != nullptr) {
      if (stop->stop_requested() || stop->wait_for(pause)) {
        result.stopped = true;
        return result;
      }
    } else {
      std::this_thread::sleep_for(pause);
    }
  }
}

bool PluginInstance::failed() const {
  std::lock_guard<std::mutex> lock(call_mutex_);
  return failed_;
}

Status PluginInstance::failure() const {
  std::lock_guard<std::mutex> lock(call_mutex_);
  return failure_;
}

void PluginInstance::mark_failed(const Status& reason) {
  if (failed_) return;
  failed_ = true;
  failure_ = reason;
}

Status PluginInstance::failed_error(std::string_view call_name) const {
  return Status::failed_precondition(fmt::format("{}: {} refused: the instance has failed ({})",
                                                 describe(), call_name, failure_.message()));
}

}  // namespace sluice::plugin_host
