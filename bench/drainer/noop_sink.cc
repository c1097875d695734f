// noop-sink: a sink that does nothing but count and report everything durable at once, so the
// drainer benchmark measures the drainer. With `lag-file` set it also records, per transaction,
// the delay from commit (the commit_ts's physical time) to the write call, and writes the p50,
// p99 and max (milliseconds) and the count to that file at close.
#include <sluice/sdk/plugin.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace sluice::sdk;

class NoopSink : public Sink {
 public:
  static Status validate(const Config& config) {
    (void)config.string_or("lag-file", "");
    return Status::ok();
  }
  NoopSink(Host, const Config& config) : lag_file_(config.string_or("lag-file", "")) {}

  Status open(const Resume& resume) override {
    last_ = resume.checkpoint_ts;
    return Status::ok();
  }
  Status write(const Batch& batch) override {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    for (Transaction transaction : batch.transactions()) {
      last_ = transaction.commit_ts();
      if (!lag_file_.empty() && !transaction.is_ddl()) {
        lags_ms_.push_back(now_ms - (transaction.commit_ts() >> 18));
      }
    }
    return Status::ok();
  }
  Status flush(int64_t& durable_ts) override {
    durable_ts = last_;
    return Status::ok();
  }
  Status close() override {
    if (lag_file_.empty() || lags_ms_.empty()) return Status::ok();
    std::sort(lags_ms_.begin(), lags_ms_.end());
    auto at = [&](double q) {
      return lags_ms_[std::min(lags_ms_.size() - 1, static_cast<size_t>(q * lags_ms_.size()))];
    };
    std::ofstream(lag_file_) << "count " << lags_ms_.size() << "\np50_ms " << at(0.50)
                             << "\np99_ms " << at(0.99) << "\nmax_ms " << lags_ms_.back() << "\n";
    return Status::ok();
  }

 private:
  std::string lag_file_;
  int64_t last_ = 0;
  std::vector<int64_t> lags_ms_;
};

}  // namespace

SLUICE_SINK_PLUGIN(NoopSink, "noop-sink", "1.0.0", "does nothing (benchmarks)", 0)
