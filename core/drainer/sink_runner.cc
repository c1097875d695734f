#include "core/drainer/sink_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace sluice::drainer {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

SinkRunner::SinkRunner(plugin_host::SinkInstance& sink, SinkRunnerOptions options,
                       DrainerMetrics* metrics)
    : sink_(sink), options_(options), metrics_(metrics), name_(sink.name()) {}

SinkRunner::~SinkRunner() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

Status SinkRunner::start(int64_t checkpoint_ts, bool unclean) {
  {
    std::lock_guard lock(mutex_);
    written_ts_ = checkpoint_ts;
    passed_ts_ = checkpoint_ts;
    durable_seen_ = checkpoint_ts;
  }
  Status opened = call_with_backoff("open", [&] { return sink_.open(checkpoint_ts, unclean); });
  if (!opened.is_ok()) {
    fail(opened);
    return opened;
  }
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

bool SinkRunner::submit(std::shared_ptr<const TransactionBatch> batch) {
  std::unique_lock lock(mutex_);
  const uint64_t bytes = batch->payload_bytes();
  changed_.wait(lock, [&] {
    return stop_ || failure_.has_value() ||
           (queued_batches_ < options_.queue_capacity &&
            (queued_batches_ == 0 || queued_bytes_ + bytes <= options_.queue_bytes));
  });
  if (stop_ || failure_) return false;
  queue_.push_back(std::move(batch));
  ++queued_batches_;
  queued_bytes_ += bytes;
  if (metrics_) metrics_->set_sink_queue(name_, queued_batches_);
  changed_.notify_all();
  return true;
}

void SinkRunner::pass(int64_t ts) {
  std::lock_guard lock(mutex_);
  if (stop_ || failure_) return;
  if (!queue_.empty() && std::holds_alternative<int64_t>(queue_.back())) {
    int64_t& last = std::get<int64_t>(queue_.back());
    last = std::max(last, ts);
  } else {
    queue_.push_back(ts);
  }
  changed_.notify_all();
}

void SinkRunner::request_stop() {
  std::lock_guard lock(mutex_);
  stop_ = true;
  changed_.notify_all();
}

Status SinkRunner::finish(bool drain) {
  {
    std::lock_guard lock(mutex_);
    if (drain) {
      drain_ = true;
    } else {
      stop_ = true;
    }
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::optional<Status> failed = failure();
  if (failed) return *failed;
  Status closed = sink_.close();
  if (metrics_) metrics_->set_sink_watermark(name_, watermark());
  std::lock_guard lock(mutex_);
  if (drain && abandoned_) {
    // Asked to drain, then told to stop (the stop timeout): what was queued or unflushed is not
    // durable, so this was no clean finish.
    return Status::aborted(fmt::format(
        "sink '{}' was stopped before it drained: {} batch(es) not written, durable up to "
        "commit_ts {}",
        name_, queued_batches_, std::max(sink_.durable_ts(), durable_seen_)));
  }
  return closed;
}

std::optional<std::string> SinkRunner::call_in_progress() const {
  std::lock_guard lock(mutex_);
  if (in_call_ == nullptr) return std::nullopt;
  return fmt::format("sink '{}' has been in {} for {:.1f} s", name_, in_call_,
                     seconds_since(call_started_));
}

void SinkRunner::enter_call(const char* what) {
  std::lock_guard lock(mutex_);
  in_call_ = what;
  call_started_ = Clock::now();
}

void SinkRunner::leave_call() {
  std::lock_guard lock(mutex_);
  in_call_ = nullptr;
}

int64_t SinkRunner::watermark() const {
  std::lock_guard lock(mutex_);
  const int64_t durable = std::max(sink_.durable_ts(), durable_seen_);
  return durable >= written_ts_ ? std::max(passed_ts_, durable) : durable;
}

int64_t SinkRunner::written_ts() const {
  std::lock_guard lock(mutex_);
  return written_ts_;
}

size_t SinkRunner::queued() const {
  std::lock_guard lock(mutex_);
  return queued_batches_;
}

std::optional<Status> SinkRunner::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

uint64_t SinkRunner::transactions_written() const {
  std::lock_guard lock(mutex_);
  return transactions_written_;
}

void SinkRunner::fail(Status status) {
  spdlog::error("sink '{}' stopped: {}", name_, status.message());
  std::lock_guard lock(mutex_);
  if (!failure_) failure_ = std::move(status);
  changed_.notify_all();
}

Status SinkRunner::call_with_backoff(const char* what, const std::function<Status()>& op) {
  for (int attempt = 1;; ++attempt) {
    enter_call(what);
    Status status = op();
    leave_call();
    if (status.code() != StatusCode::kUnavailable) return status;
    if (metrics_) metrics_->count_sink_error(name_, "unavailable");
    spdlog::error(
        "sink '{}': {} still failing after retries (attempt {}), trying again in {} ms: {}", name_,
        what, attempt, options_.unavailable_backoff.count(), status.message());
    std::unique_lock lock(mutex_);
    if (changed_.wait_for(lock, options_.unavailable_backoff, [&] { return stop_; })) {
      return Status::aborted(fmt::format("sink '{}': stopped while {} was failing: {}", name_, what,
                                         status.message()));
    }
  }
}

Status SinkRunner::write_batch(const TransactionBatch& batch) {
  const auto started = Clock::now();
  Status written = call_with_backoff("write", [&] { return sink_.write(batch.view()); });
  if (written.code() == StatusCode::kInvalidArgument) {
    if (metrics_) metrics_->count_sink_error(name_, "rejected");
    const auto& txns = batch.transactions();
    const std::string range =
        txns.empty() ? std::string("an empty batch")
                     : fmt::format("commit_ts {}..{} ({} transactions)", txns.front()->commit_ts,
                                   txns.back()->commit_ts, txns.size());
    if (!options_.skip_rejected) {
      return Status(written.code(), fmt::format("{} rejected {}; set skip-rejected = true to log "
                                                "and skip rejected batches",
                                                written.message(), range));
    }
    spdlog::error("sink '{}' rejected {}, skipped (skip-rejected = true): {}", name_, range,
                  written.message());
    written = Status::ok();
  }
  if (!written.is_ok()) return written;
  if (metrics_) {
    metrics_->observe_sink_write(name_, batch.size(), batch.event_count(), seconds_since(started));
  }
  std::lock_guard lock(mutex_);
  written_ts_ = std::max(written_ts_, batch.last_commit_ts());
  passed_ts_ = std::max(passed_ts_, batch.last_commit_ts());
  transactions_written_ += batch.size();
  dirty_ = true;
  return Status::ok();
}

Status SinkRunner::flush_now() {
  const auto started = Clock::now();
  int64_t durable = 0;
  Status flushed = call_with_backoff("flush", [&] { return sink_.flush(&durable); });
  // A sink that buffers learns of a rejected row only when it applies it, at flush. By the sink
  // contract it has then skipped only the rejected transaction(s), which its message names, and
  // kept everything else; with skip-rejected the flush is simply asked again.
  for (int rejections = 1; flushed.code() == StatusCode::kInvalidArgument; ++rejections) {
    if (metrics_) metrics_->count_sink_error(name_, "rejected");
    if (!options_.skip_rejected) {
      return Status(flushed.code(), fmt::format("{}; set skip-rejected = true to log and skip "
                                                "rejected transactions",
                                                flushed.message()));
    }
    spdlog::error("sink '{}' rejected a transaction at flush, skipped (skip-rejected = true): {}",
                  name_, flushed.message());
    if (rejections >= kMaxConsecutiveRejections) {
      return Status(flushed.code(), fmt::format("sink '{}' rejected {} flushes in a row; last: {}",
                                                name_, rejections, flushed.message()));
    }
    durable = 0;
    flushed = call_with_backoff("flush", [&] { return sink_.flush(&durable); });
  }
  if (!flushed.is_ok()) return flushed;
  if (metrics_) metrics_->observe_sink_flush(name_, seconds_since(started));
  {
    std::lock_guard lock(mutex_);
    durable_seen_ = std::max(durable_seen_, durable);
    dirty_ = false;
  }
  if (metrics_) metrics_->set_sink_watermark(name_, watermark());
  return Status::ok();
}

void SinkRunner::run() {
  auto last_flush = Clock::now();
  while (true) {
    std::optional<Item> item;
    bool draining_done = false;
    bool flush_due = false;
    {
      std::unique_lock lock(mutex_);
      auto ready = [&] { return stop_ || !queue_.empty() || drain_; };
      if (dirty_) {
        // The queue ran dry with unflushed writes: flush once the gap since the last flush
        // allows (at once when it already does), unless more work arrives first.
        flush_due = !changed_.wait_until(lock, last_flush + options_.idle_flush_delay, ready);
      } else {
        changed_.wait(lock, ready);
      }
      if (stop_) {
        abandoned_ = !queue_.empty() || dirty_;
        break;
      }
      if (!queue_.empty()) {
        item = std::move(queue_.front());
        queue_.pop_front();
        if (const auto* batch = std::get_if<std::shared_ptr<const TransactionBatch>>(&*item)) {
          --queued_batches_;
          queued_bytes_ -= (*batch)->payload_bytes();
          if (metrics_) metrics_->set_sink_queue(name_, queued_batches_);
        }
        changed_.notify_all();
      } else if (drain_) {
        draining_done = true;
      }
    }
    Status status = Status::ok();
    if (item) {
      if (const int64_t* ts = std::get_if<int64_t>(&*item)) {
        std::lock_guard lock(mutex_);
        passed_ts_ = std::max(passed_ts_, *ts);
        continue;
      }
      const auto& batch = *std::get<std::shared_ptr<const TransactionBatch>>(*item);
      if (batch.is_ddl() && dirty_) status = flush_now();  // the barrier
      if (status.is_ok()) status = write_batch(batch);
      if (status.is_ok()) {
        if (batch.is_ddl() || Clock::now() - last_flush >= options_.flush_interval) {
          status = flush_now();
          last_flush = Clock::now();
        }
      }
    } else if (flush_due || draining_done) {
      if (dirty_) {
        status = flush_now();
        last_flush = Clock::now();
      }
      if (status.is_ok() && draining_done) break;
    }
    if (!status.is_ok()) {
      if (status.code() != StatusCode::kAborted) fail(status);
      std::lock_guard lock(mutex_);
      abandoned_ = true;
      break;
    }
  }
}

}  // namespace sluice::drainer
