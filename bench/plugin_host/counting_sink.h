#pragma once
// The sink both sides of the plugin-host benchmark run: it touches every event and value (so the
// work cannot be optimised away) and keeps nothing. Compiled into the benchmark for the direct
// call, and into a plugin (.so) for the path through the host.
#include <sluice/sdk/plugin.h>

namespace sluice::bench {

class CountingSink : public sdk::Sink {
 public:
  static sdk::Status validate(const sdk::Config&) { return {}; }
  CountingSink() = default;
  CountingSink(sdk::Host, const sdk::Config&) {}

  sdk::Status open(const sdk::Resume&) override { return {}; }
  sdk::Status write(const sdk::Batch& batch) override {
    for (sdk::Transaction transaction : batch.transactions()) {
      for (sdk::Event event : transaction.events()) {
        ++events_;
        const sdk::Row row = event.new_values();
        for (size_t i = 0; i < row.size(); ++i)
          checksum_ += row[i].kind();
      }
      last_ts_ = transaction.commit_ts();
    }
    return {};
  }
  sdk::Status flush(int64_t& durable_ts) override {
    durable_ts = last_ts_;
    return {};
  }
  sdk::Status close() override { return {}; }

  uint64_t events() const { return events_; }
  uint64_t checksum() const { return checksum_; }

 private:
  uint64_t events_ = 0;
  uint64_t checksum_ = 0;
  int64_t last_ts_ = 0;
};

}  // namespace sluice::bench
