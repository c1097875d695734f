// conformance-sink: a well-behaved in-memory sink that passes every conformance check. It also
// checks the host's side of the contract (positions count up by one, commit_ts grows, a DDL
// transaction arrives alone after a flush) and fails loudly if the host breaks it, so the
// conformance tool is tested as a host too.
//
// Config: name (string, optional), capacity (integer > 0, default 1000: transactions buffered
// before write flushes on its own), target (string, default "memory"; "unreachable" makes create
// fail, as a sink that cannot connect would).
#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <string>
#include <vector>

#ifndef CONFORMANCE_SINK_NAME
#define CONFORMANCE_SINK_NAME "conformance-sink"
#endif

namespace {

using namespace sluice::sdk;

class ConformanceSink : public Sink {
 public:
  static Status validate(const Config& config) {
    config.get_string("name");
    if (const auto capacity = config.get_int("capacity"); capacity && *capacity <= 0) {
      return Status::invalid_config("'capacity' must be greater than 0, not " +
                                    std::to_string(*capacity));
    }
    config.get_string("target");
    return Status::ok();
  }

  ConformanceSink(Host host, const Config& config)
      : host_(host),
        capacity_(static_cast<size_t>(config.int_or("capacity", 1000))),
        written_(host.counter("conformance_sink_transactions_total", "Transactions written")) {
    const std::string target = config.string_or("target", "memory");
    if (target == "unreachable") {
      throw std::runtime_error("cannot connect to target 'unreachable'");
    }
  }

  Status open(const Resume& resume) override {
    durable_ts_ = resume.checkpoint_ts;
    last_commit_ts_ = resume.checkpoint_ts;
    host_.info("opened at checkpoint " + std::to_string(resume.checkpoint_ts));
    return Status::ok();
  }

  Status write(const Batch& batch) override {
    if (host_.stop_requested()) return Status::retry("stopping: the batch was not taken");
    for (Transaction transaction : batch.transactions()) {
      if (have_position_ && transaction.position() != last_position_ + 1) {
        return Status::fatal("host contract broken: position " +
                             std::to_string(transaction.position()) + " after " +
                             std::to_string(last_position_));
      }
      if (transaction.commit_ts() <= last_commit_ts_) {
        return Status::fatal("host contract broken: commit_ts " +
                             std::to_string(transaction.commit_ts()) + " after " +
                             std::to_string(last_commit_ts_));
      }
      if (transaction.is_ddl() && (!pending_.empty() || batch.size() != 1)) {
        return Status::fatal("host contract broken: a DDL transaction arrived with others");
      }
      for (Event event : transaction.events()) {
        if (event.type() != EventType::kDdl && !event.has_table()) {
          return Status::rejected("a row event without a table");
        }
      }
      have_position_ = true;
      last_position_ = transaction.position();
      last_commit_ts_ = transaction.commit_ts();
      pending_.push_back(transaction.commit_ts());
    }
    if (pending_.size() > capacity_) {
      int64_t ignored = 0;
      return flush(ignored);
    }
    return Status::ok();
  }

  Status flush(int64_t& durable_ts) override {
    if (!pending_.empty()) {
      written_.add(static_cast<double>(pending_.size()));
      durable_ts_ = pending_.back();
      pending_.clear();
    }
    durable_ts = durable_ts_;
    return Status::ok();
  }

  Status close() override {
    int64_t ignored = 0;
    return flush(ignored);
  }

 private:
  Host host_;
  size_t capacity_;
  Metric written_;
  std::vector<int64_t> pending_;  // commit_ts of transactions written and not flushed
  int64_t durable_ts_ = 0;
  int64_t last_commit_ts_ = 0;
  uint64_t last_position_ = 0;
  bool have_position_ = false;
};

}  // namespace

SLUICE_SINK_PLUGIN(ConformanceSink, CONFORMANCE_SINK_NAME, "1.0.0",
                   "A well-behaved in-memory sink for the conformance tests", 0)
