// conformance-filter: a filter that drops DELETE events, so the tests see the conformance tool
// drive a plugin that is not a sink. Config: drop-deletes (bool, default true).
#include <sluice/sdk/plugin.h>

namespace {

using namespace sluice::sdk;

class ConformanceFilter : public Filter {
 public:
  static Status validate(const Config& config) {
    config.get_bool("drop-deletes");
    return Status::ok();
  }
  ConformanceFilter(Host /*host*/, const Config& config)
      : drop_deletes_(config.bool_or("drop-deletes", true)) {}

  Status filter(const Batch& batch, std::span<uint8_t> keep) override {
    size_t index = 0;
    for (Transaction transaction : batch.transactions()) {
      for (Event event : transaction.events()) {
        if (index >= keep.size()) return Status::fatal("keep mask shorter than the batch");
        if (drop_deletes_ && event.type() == EventType::kDelete) keep[index] = 0;
        ++index;
      }
    }
    return Status::ok();
  }

 private:
  bool drop_deletes_;
};

}  // namespace

SLUICE_FILTER_PLUGIN(ConformanceFilter, "conformance-filter", "1.0.0",
                     "Drops DELETE events (a test filter)", 0)
