#include "core/drainer/relay_replay.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "core/drainer/relay_record_decoder.h"

namespace sluice::drainer {
namespace {

class Replayer {
 public:
  Replayer(const std::vector<SinkRunner*>& runners, size_t batch_transactions)
      : runners_(runners), batch_transactions_(std::max<size_t>(1, batch_transactions)) {}

  Status add(std::string_view record, int64_t commit_ts) {
    // A record at or below what was already applied is a copy the pumps re-sent after an
    // earlier restart: the first copy went out in order.
    if (commit_ts <= applied_ts_) return Status::ok();
    auto decoded = decoder_.decode(record);
    if (!decoded.is_ok()) return decoded.status();
    std::unique_ptr<DrainerTransaction> transaction = std::move(decoded).value();
    applied_ts_ = commit_ts;
    if (transaction->ddl) {
      SLUICE_RETURN_IF_ERROR(flush());
      pending_ = std::make_unique<TransactionBatch>();
      pending_->add(std::move(transaction));
      return flush();
    }
    if (!pending_) pending_ = std::make_unique<TransactionBatch>();
    pending_->add(std::move(transaction));
    if (pending_->size() >= batch_transactions_) return flush();
    return Status::ok();
  }

  Status flush() {
    if (!pending_ || pending_->empty()) return Status::ok();
    std::unique_ptr<TransactionBatch> batch = std::move(pending_);
    batch->build_view();
    batch->stamp(next_position_, SLUICE_TXN_SAFE_MODE);
    next_position_ += batch->size();
    transactions_ += batch->size();
    std::shared_ptr<const TransactionBatch> shared(std::move(batch));
    for (SinkRunner* runner : runners_) {
      if (!runner->submit(shared)) {
        if (auto failed = runner->failure()) return *failed;
        return Status::aborted("a sink stopped during the relay replay");
      }
    }
    return Status::ok();
  }

  uint64_t transactions() const { return transactions_; }

 private:
  const std::vector<SinkRunner*>& runners_;
  const size_t batch_transactions_;
  RelayRecordDecoder decoder_;
  std::unique_ptr<TransactionBatch> pending_;
  int64_t applied_ts_ = 0;
  uint64_t next_position_ = 1;
  uint64_t transactions_ = 0;
};

}  // namespace

Result<RelayReplayResult> replay_relay_log(const std::filesystem::path& dir, int64_t checkpoint_ts,
                                           const std::vector<SinkRunner*>& runners,
                                           size_t batch_transactions) {
  RelayReplayResult result;
  Replayer replayer(runners, batch_transactions);
  auto read = read_relay_log(
      dir, checkpoint_ts,
      [&](std::string_view record, int64_t commit_ts) { return replayer.add(record, commit_ts); },
      [](std::string_view warning) { spdlog::warn("relay log: {}", warning); });
  Status status = read.is_ok() ? replayer.flush() : read.status();
  // Drain what went out (even after an error: what was submitted may still become durable, and
  // the watermark says how far), then close.
  for (SinkRunner* runner : runners) {
    Status finished = runner->finish(status.is_ok());
    if (!finished.is_ok() && status.is_ok()) status = finished;
  }
  if (!status.is_ok()) return status.with_context("replaying the relay log in " + dir.string());
  result.read = read.value();
  result.transactions = replayer.transactions();
  int64_t durable = std::numeric_limits<int64_t>::max();
  for (SinkRunner* runner : runners)
    durable = std::min(durable, runner->watermark());
  result.durable_ts = runners.empty() ? 0 : durable;
  return result;
}

}  // namespace sluice::drainer
