#pragma once
// FilterInstance: one configured filter (RAII over the plugin's instance; destroy on every path).
// filter() asks the plugin which events of a batch to keep: a keep-mask with one byte per event
// in batch order (transaction by transaction), pre-set to 1; the plugin writes 0 to drop.
// SLUICE_RETRY re-runs the call per the RetryPolicy (with a fresh mask); a fatal answer marks
// the filter failed. Thread-safety: any thread may call; calls are serialised.

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/common/result.h"
#include "core/plugin_host/plugin_instance.h"

namespace sluice::plugin_host {

// The number of events in a batch: the length of its keep-mask (steps by transaction_size).
size_t batch_event_count(const sluice_batch_t& batch);

class FilterInstance : public PluginInstance {
  struct Token {
    explicit Token() = default;
  };

 public:
  static Result<std::unique_ptr<FilterInstance>> create(std::shared_ptr<const LoadedPlugin> plugin,
                                                        std::unique_ptr<HostContext> context,
                                                        RetryPolicy retry = {});

  FilterInstance(Token, std::shared_ptr<const LoadedPlugin> plugin,
                 std::unique_ptr<HostContext> context, RetryPolicy retry);

  // Fills `keep` (resized to the batch's event count) with 1 for events to keep, 0 to drop.
  Status filter(const sluice_batch_t& batch, std::vector<uint8_t>& keep);
};

}  // namespace sluice::plugin_host
