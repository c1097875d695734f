#include "core/drainer/syncer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace sluice::drainer {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Syncer::Syncer(merge::Merger& merger, std::vector<plugin_host::FilterInstance*> filters,
               std::vector<SinkRunner*> runners, checkpoint::CheckpointStore& store,
               schema::SchemaTracker tracker, std::unique_ptr<DdlJobSource> job_source,
               checkpoint::Checkpoint start, SyncerOptions options, DrainerMetrics* metrics)
    : merger_(merger),
      filters_(std::move(filters)),
      runners_(std::move(runners)),
      store_(store),
      tracker_(std::move(tracker)),
      job_source_(std::move(job_source)),
      assembler_(tracker_, job_source_.get(), options.ignore_txn_commit_ts),
      options_(std::move(options)),
      metrics_(metrics),
      last_saved_(std::move(start)) {
  stats_.checkpoint_ts = last_saved_.commit_ts;
  stats_.merged_ts = last_saved_.commit_ts;
  stats_.schema_version = tracker_.version();
}

Syncer::~Syncer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Syncer::start() {
  last_checkpoint_ = Clock::now();
  thread_ = std::thread([this] { run(); });
}

std::optional<Status> Syncer::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

bool Syncer::wait_ended(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return ended_cv_.wait_for(lock, timeout, [&] { return ended_.load(); });
}

SyncerStats Syncer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Syncer::request_checkpoint() {
  checkpoint_requested_ = true;
}

uint32_t Syncer::transaction_flags() const {
  if (options_.safe_mode || Clock::now() < options_.safe_mode_until) return SLUICE_TXN_SAFE_MODE;
  return 0;
}

void Syncer::run() {
  Status status = Status::ok();
  while (!stop_.load()) {
    status = check_runners();
    if (!status.is_ok()) break;
    // Wait for data only when there is nothing in hand; otherwise take what is ready at once and
    // send the batch when the merge runs dry.
    const auto wait = pending_ ? std::chrono::milliseconds(0) : std::chrono::milliseconds(100);
    status = step(merger_.pop(wait));
    if (!status.is_ok()) break;
    status = maybe_checkpoint(false);
    if (!status.is_ok()) break;
  }
  if (!status.is_ok() && status.code() != StatusCode::kAborted) {
    spdlog::error("drainer stopped: {}", status.message());
    if (metrics_) metrics_->count_error("syncer");
    std::lock_guard lock(mutex_);
    failure_ = status;
  }
  std::lock_guard lock(mutex_);
  ended_ = true;
  ended_cv_.notify_all();
}

Status Syncer::step(std::optional<merge::MergeItem> item) {
  if (!item) return dispatch_pending();
  {
    std::lock_guard lock(mutex_);
    stats_.merged_ts = item->commit_ts;
    ++stats_.binlogs;
  }
  if (metrics_) metrics_->set_merged_ts(item->commit_ts);
  if (item->fake) {
    pass_all(item->commit_ts);
    return Status::ok();
  }
  auto assembled = assembler_.assemble(item->payload, item->source);
  if (!assembled.is_ok()) return assembled.status();
  if (assembled->schema_changed) {
    if (metrics_) metrics_->count_ddl_job();
    std::lock_guard lock(mutex_);
    stats_.schema_version = tracker_.version();
  }
  if (!assembled->transaction) {
    spdlog::debug("commit_ts {} skipped: {}", item->commit_ts, assembled->skip_reason);
    if (metrics_ && assembled->skip_reason != "fake binlog") {
      metrics_->count_skipped(
          assembled->skip_reason.rfind("DDL job", 0) == 0 ? "ddl" : assembled->skip_reason);
    }
    {
      std::lock_guard lock(mutex_);
      ++stats_.skipped;
    }
    pass_all(item->commit_ts);
    return Status::ok();
  }
  return add_transaction(std::move(assembled->transaction));
}

Status Syncer::add_transaction(std::unique_ptr<DrainerTransaction> transaction) {
  if (transaction->ddl) {
    SLUICE_RETURN_IF_ERROR(dispatch_pending());
    auto batch = std::make_unique<TransactionBatch>();
    const int64_t ts = transaction->commit_ts;
    spdlog::info("DDL at commit_ts {} (schema version {}): {}", ts, transaction->schema_version,
                 transaction->ddl_query);
    batch->add(std::move(transaction));
    SLUICE_RETURN_IF_ERROR(dispatch(std::move(batch)));
    ddl_waiting_ts_ = ts;
    return Status::ok();
  }
  if (!pending_) pending_ = std::make_unique<TransactionBatch>();
  pending_->add(std::move(transaction));
  if (pending_->size() >= options_.batch_max_transactions ||
      pending_->payload_bytes() >= options_.batch_max_bytes) {
    return dispatch_pending();
  }
  return Status::ok();
}

void Syncer::pass_all(int64_t ts) {
  if (pending_) {
    pending_pass_ts_ = std::max(pending_pass_ts_, ts);
    return;
  }
  for (SinkRunner* runner : runners_)
    runner->pass(ts);
}

Status Syncer::dispatch_pending() {
  if (!pending_) return Status::ok();
  auto batch = std::move(pending_);
  const int64_t pass_after = pending_pass_ts_;
  pending_pass_ts_ = 0;
  SLUICE_RETURN_IF_ERROR(dispatch(std::move(batch)));
  if (pass_after > 0) pass_all(pass_after);
  return Status::ok();
}

Status Syncer::dispatch(std::unique_ptr<TransactionBatch> batch) {
  const int64_t last_ts = batch->last_commit_ts();
  const size_t before = batch->size();
  batch->build_view();
  for (plugin_host::FilterInstance* filter : filters_) {
    SLUICE_RETURN_IF_ERROR(filter->filter(batch->view(), keep_));
    batch->apply_keep_mask(keep_);
    if (batch->empty()) break;
  }
  const size_t filtered_out = before - batch->size();
  if (filtered_out > 0) {
    if (metrics_) metrics_->count_skipped("filtered");
    std::lock_guard lock(mutex_);
    stats_.skipped += filtered_out;
  }
  if (batch->empty()) {
    for (SinkRunner* runner : runners_)
      runner->pass(last_ts);
    return Status::ok();
  }
  batch->stamp(next_position_, transaction_flags());
  next_position_ += batch->size();
  if (options_.relay != nullptr) SLUICE_RETURN_IF_ERROR(options_.relay->write(*batch));
  count_events(*batch);
  std::shared_ptr<const TransactionBatch> shared(std::move(batch));
  for (SinkRunner* runner : runners_) {
    if (!runner->submit(shared)) {
      if (auto failed = runner->failure()) return *failed;
      return Status::aborted("sink stopped");
    }
  }
  if (shared->last_commit_ts() < last_ts) {
    for (SinkRunner* runner : runners_)
      runner->pass(last_ts);
  }
  std::lock_guard lock(mutex_);
  stats_.transactions += shared->size();
  stats_.events += shared->event_count();
  if (shared->is_ddl()) ++stats_.ddls;
  stats_.last_delivery = std::chrono::system_clock::now();
  return Status::ok();
}

void Syncer::count_events(const TransactionBatch& batch) {
  if (!metrics_) return;
  double counts[4] = {0, 0, 0, 0};
  for (const auto& transaction : batch.transactions()) {
    for (const sluice_event_t& event : transaction->events) {
      if (event.type < 4) counts[event.type] += 1;
    }
  }
  if (counts[SLUICE_EVENT_INSERT] > 0) metrics_->count_event("Insert", counts[SLUICE_EVENT_INSERT]);
  if (counts[SLUICE_EVENT_UPDATE] > 0) metrics_->count_event("Update", counts[SLUICE_EVENT_UPDATE]);
  if (counts[SLUICE_EVENT_DELETE] > 0) metrics_->count_event("Delete", counts[SLUICE_EVENT_DELETE]);
  if (counts[SLUICE_EVENT_DDL] > 0) metrics_->count_event("DDL", counts[SLUICE_EVENT_DDL]);
  metrics_->count_event("Txn", static_cast<double>(batch.size()));
}

Status Syncer::check_runners() const {
  for (SinkRunner* runner : runners_) {
    if (auto failed = runner->failure()) return *failed;
  }
  return Status::ok();
}

int64_t Syncer::min_watermark() const {
  int64_t lowest = std::numeric_limits<int64_t>::max();
  for (SinkRunner* runner : runners_)
    lowest = std::min(lowest, runner->watermark());
  return runners_.empty() ? 0 : lowest;
}

Status Syncer::maybe_checkpoint(bool force) {
  const int64_t watermark = min_watermark();
  bool due = force || checkpoint_requested_.exchange(false) ||
             Clock::now() - last_checkpoint_ >= options_.checkpoint_interval;
  if (ddl_waiting_ts_ != 0 && watermark >= ddl_waiting_ts_) {
    due = true;  // right after a DDL is durable everywhere
    ddl_waiting_ts_ = 0;
  }
  if (save_failures_ > 0) {
    // Retrying a failed save: on the back-off's schedule, whatever else made it due.
    due = Clock::now() >= retry_save_at_;
  }
  if (!due) return Status::ok();
  last_checkpoint_ = Clock::now();
  if (watermark <= last_saved_.commit_ts && !force && save_failures_ == 0 &&
      tracker_.version() == last_saved_.schema_version) {
    return Status::ok();
  }
  Status saved = save_checkpoint(std::max(watermark, last_saved_.commit_ts), false);
  if (!saved.is_ok()) {
    // The checkpoint only lags: replication goes on, and what it would have saved is saved by a
    // later attempt (a restart meanwhile replays from the older checkpoint, in safe mode).
    ++save_failures_;
    const auto backoff =
        std::min(kMaxSaveBackoff, kFirstSaveBackoff * (1 << std::min(save_failures_ - 1, 6)));
    retry_save_at_ = Clock::now() + backoff;
    spdlog::warn("{} (failure {} in a row); replication goes on, retrying in {} ms",
                 saved.message(), save_failures_, backoff.count());
    return Status::ok();
  }
  if (save_failures_ > 0) {
    spdlog::info("checkpoint saved again at commit_ts {} after {} failed attempt(s)",
                 last_saved_.commit_ts, save_failures_);
    save_failures_ = 0;
  }
  if (options_.relay != nullptr) {
    auto purged = options_.relay->purge(last_saved_.commit_ts);
    if (!purged.is_ok()) {
      // Old relay files only cost disk; say so and go on.
      spdlog::warn("relay log: purging files at or below the checkpoint failed: {}",
                   purged.status().to_string());
    } else if (purged.value() > 0) {
      spdlog::info("relay log: removed {} file(s) the checkpoint has passed", purged.value());
    }
  }
  return Status::ok();
}

const std::string& Syncer::snapshot() {
  if (snapshot_version_ != tracker_.version()) {
    snapshot_ = tracker_.snapshot();
    snapshot_version_ = tracker_.version();
  }
  return snapshot_;
}

Status Syncer::save_checkpoint(int64_t ts, bool consistent) {
  checkpoint::Checkpoint checkpoint = last_saved_;
  checkpoint.commit_ts = ts;
  checkpoint.consistent = consistent;
  checkpoint.schema_version = tracker_.version();
  checkpoint.schema_snapshot = snapshot();
  for (SinkRunner* runner : runners_) {
    if (auto reported = runner->ts_map();
        reported && (!checkpoint.ts_map || reported->first > checkpoint.ts_map->primary_ts)) {
      checkpoint.ts_map = checkpoint::TsMap{reported->first, reported->second};
    }
  }
  Status saved = store_.save(checkpoint);
  if (!saved.is_ok()) {
    if (metrics_) metrics_->count_error("save_checkpoint");
    return Status(saved.code(), fmt::format("saving the checkpoint to {} failed: {}",
                                            store_.describe(), saved.message()));
  }
  last_saved_ = std::move(checkpoint);
  if (metrics_) metrics_->set_checkpoint(ts);
  std::lock_guard lock(mutex_);
  stats_.checkpoint_ts = ts;
  return Status::ok();
}

Status Syncer::finish(bool clean) {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (finished_) return failure().value_or(Status::ok());
  finished_ = true;
  std::optional<Status> failed = failure();
  Status status = failed.value_or(Status::ok());
  if (clean && !failed) status = dispatch_pending();
  // Drain and close every sink; a failed sink does not stop the others from closing.
  for (SinkRunner* runner : runners_) {
    Status closed = runner->finish(clean && status.is_ok());
    if (!closed.is_ok() && status.is_ok()) status = closed;
  }
  // The checkpoint moves to what every sink made durable; consistent only when all went well.
  const int64_t watermark = std::max(min_watermark(), last_saved_.commit_ts);
  Status saved = save_checkpoint(watermark, clean && status.is_ok());
  // A transient failure gets a few more tries; a stop must end, so not many.
  for (int attempt = 1; !saved.is_ok() && attempt < kFinalSaveAttempts; ++attempt) {
    spdlog::warn("{}; trying again ({} of {})", saved.message(), attempt + 1, kFinalSaveAttempts);
    std::this_thread::sleep_for(kFirstSaveBackoff);
    saved = save_checkpoint(watermark, clean && status.is_ok());
  }
  if (!saved.is_ok() && status.is_ok()) status = saved;
  if (!status.is_ok()) {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = status;
  }
  return status;
}

}  // namespace sluice::drainer
