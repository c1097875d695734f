#include "core/plugin_host/filter_instance.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sluice::plugin_host {

size_t batch_event_count(const sluice_batch_t& batch) {
  if (batch.transactions == nullptr) return 0;
  const size_t stride =
      batch.transaction_size != 0 ? batch.transaction_size : sizeof(sluice_transaction_t);
  const auto* at = reinterpret_cast<const unsigned char*>(batch.transactions);
  size_t total = 0;
  for (size_t i = 0; i < batch.transaction_count; ++i) {
    const auto* transaction = reinterpret_cast<const sluice_transaction_t*>(at + i * stride);
    if (transaction->events != nullptr) total += transaction->event_count;
  }
  return total;
}

Result<std::unique_ptr<FilterInstance>> FilterInstance::create(
    std::shared_ptr<const LoadedPlugin> plugin, std::unique_ptr<HostContext> context,
    RetryPolicy retry) {
  if (plugin == nullptr || context == nullptr) {
    return Status::internal("FilterInstance::create: no plugin or no context");
  }
  if (plugin->kind != PluginKind::kFilter) {
    return Status::invalid_argument(fmt::format("{}: plugin '{}' is a {} plugin, not a filter",
                                                context->describe(), plugin->name,
                                                plugin_kind_name(plugin->kind)));
  }
  auto filter =
      std::make_unique<FilterInstance>(Token{}, std::move(plugin), std::move(context), retry);
  SLUICE_RETURN_IF_ERROR(filter->create_instance());
  return filter;
}

FilterInstance::FilterInstance(Token, std::shared_ptr<const LoadedPlugin> plugin,
                               std::unique_ptr<HostContext> context, RetryPolicy retry)
    : PluginInstance(std::move(plugin), std::move(context), retry) {}

Status FilterInstance::filter(const sluice_batch_t& batch, std::vector<uint8_t>& keep) {
  std::lock_guard<std::mutex> lock(call_mutex_);
  if (failed_locked()) return failed_error("filter");
  const size_t count = batch_event_count(batch);
  const PluginCallResult result = call_with_retry("filter", [&] {
    keep.assign(count, 1);  // a fresh mask for every attempt
    return plugin_->filter.filter(instance_, &batch, keep.data(), keep.size());
  });
  Status status = plugin_call_status(describe(), "filter", result);
  if (result.code == SLUICE_OK) {
    for (auto& byte : keep)
      byte = byte != 0 ? 1 : 0;
  } else if (result.code != SLUICE_RETRY && result.code != SLUICE_REJECTED) {
    mark_failed(status);
    spdlog::error("{}", status.message());
  }
  return status;
}

}  // namespace sluice::plugin_host
