#include "plugins/mysql/dml_applier.h"

#include <mysqld_error.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "plugins/mysql/loopback.h"
#include "plugins/mysql/merge.h"
#include "plugins/mysql/sql_render.h"

namespace sluice::mysql {

namespace {

int severity(const sdk::Status& status) {
  switch (status.code()) {
    case sdk::Code::kOk:
      return 0;
    case sdk::Code::kRetry:
      return 1;
    case sdk::Code::kRejected:
      return 2;
    default:
      return 3;
  }
}

std::string describe_table(const TableInfo& table) {
  return "table " + table.schema + "." + table.table;
}

std::vector<SqlValue> project(std::vector<SqlValue> values, const std::vector<size_t>& keep) {
  if (values.empty()) return values;
  std::vector<SqlValue> out;
  out.reserve(keep.size());
  for (size_t index : keep)
    out.push_back(index < values.size() ? std::move(values[index]) : SqlValue{});
  return out;
}

// The DMLs of `chunk` as one chunk per upstream transaction, in the order each commit_ts first
// appears, each keeping its DMLs' order and the chunk's safe-mode replay. Without merge a
// worker's DMLs are in commit order, so these are the chunk's runs of equal commit_ts; with merge
// a transaction's rows may be apart (deletes first, then replaces), and keeping them together
// changes nothing: a merged batch has one row per primary key.
std::vector<Chunk> split_by_transaction(Chunk chunk) {
  std::vector<Chunk> parts;
  std::vector<int64_t> part_ts;
  for (Dml& dml : chunk.dmls) {
    auto found = std::find(part_ts.begin(), part_ts.end(), dml.commit_ts);
    Chunk* part = nullptr;
    if (found == part_ts.end()) {
      part_ts.push_back(dml.commit_ts);
      part = &parts.emplace_back();
      part->force_safe = chunk.force_safe;
    } else {
      part = &parts[static_cast<size_t>(found - part_ts.begin())];
    }
    part->bytes += dml_bytes(dml);
    part->dmls.push_back(std::move(dml));
  }
  return parts;
}

// How many refusals apply() describes in full; the others are named by commit_ts only.
constexpr size_t kDetailedRejections = 5;

std::string describe_rejections(const std::vector<RejectedTransaction>& rejected) {
  std::string out =
      std::to_string(rejected.size()) +
      (rejected.size() == 1 ? " upstream transaction was" : " upstream transactions were") +
      " refused downstream and skipped; everything else is committed: ";
  for (size_t i = 0; i < rejected.size(); ++i) {
    if (i > 0) out += "; ";
    out += "commit_ts " + std::to_string(rejected[i].commit_ts);
    if (i < kDetailedRejections) out += " (" + rejected[i].message + ")";
  }
  return out;
}

}  // namespace

DmlApplier::DmlApplier(ApplierOptions options)
    : options_(std::move(options)), dispatcher_(options_.plan) {
  if (options_.plan.worker_count == 0) options_.plan.worker_count = 1;
  options_.plan.txn_batch = std::max<size_t>(options_.plan.txn_batch, 1);
  dispatcher_ = Dispatcher(options_.plan);
  const size_t workers = dispatcher_.workers();
  max_in_flight_ =
      options_.max_in_flight != 0 ? options_.max_in_flight : options_.plan.txn_batch * workers * 6;
  for (size_t i = 0; i < workers; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->index = i;
    workers_.push_back(std::move(worker));
  }
}

DmlApplier::~DmlApplier() {
  close();
}

size_t DmlApplier::pending() const {
  std::lock_guard lock(mutex_);
  return buffered() + in_flight_;
}

void DmlApplier::start_workers() {
  if (started_) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = false;
  }
  for (auto& worker : workers_) {
    Worker* raw = worker.get();
    raw->thread = std::thread([this, raw] { worker_loop(*raw); });
  }
  started_ = true;
}

void DmlApplier::close() {
  if (started_) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      for (auto& worker : workers_)
        worker->wake.notify_all();
    }
    for (auto& worker : workers_)
      worker->thread.join();
    started_ = false;
  }
  for (auto& worker : workers_)
    worker->connection.reset();
  control_.reset();
}

MysqlConnection* DmlApplier::connection(size_t worker, sdk::Status& status) {
  (void)worker;
  if (!control_) {
    SqlError error;
    control_ = MysqlConnection::connect(options_.connection, error);
    if (!control_) {
      status = status_of(error, "connecting to " + options_.connection.host + ":" +
                                    std::to_string(options_.connection.port) + " as '" +
                                    options_.connection.user + "'");
      return nullptr;
    }
  }
  status = sdk::Status::ok();
  return control_.get();
}

void DmlApplier::drop_connection(size_t worker) {
  (void)worker;
  control_.reset();
}

void DmlApplier::table_changed(const std::string& schema, const std::string& table) {
  if (table.empty()) {
    tables_.evict_schema(schema);
  } else {
    tables_.evict_table(schema, table);
  }
}

sdk::Status DmlApplier::resolve(Dml& dml, const TableInfo*& last_upstream,
                                std::shared_ptr<const TableInfo>& last_resolved,
                                std::shared_ptr<const std::vector<size_t>>& last_keep) {
  if (dml.table.get() != last_upstream) {
    sdk::Status status;
    MysqlConnection* connection = this->connection(0, status);
    if (connection == nullptr) return status;
    last_keep.reset();
    status = options_.partial_columns
                 ? tables_.resolve_partial(*connection, dml.table, last_resolved, last_keep)
                 : tables_.resolve(*connection, dml.table, last_resolved);
    if (!status.is_ok()) {
      if (status.code() == sdk::Code::kRetry) drop_connection(0);
      last_upstream = nullptr;
      return status;
    }
    last_upstream = dml.table.get();
  }
  dml.table = last_resolved;
  if (last_keep) {
    dml.old_values = project(std::move(dml.old_values), *last_keep);
    dml.new_values = project(std::move(dml.new_values), *last_keep);
  }
  return sdk::Status::ok();
}

sdk::Status DmlApplier::prepare() {
  if (incoming_.empty()) return sdk::Status::ok();
  if (options_.downstream_table_info) {
    const TableInfo* last_upstream = nullptr;
    std::shared_ptr<const TableInfo> last_resolved;
    std::shared_ptr<const std::vector<size_t>> last_keep;
    for (size_t i = 0; i < incoming_.size(); ++i) {
      if (auto status = resolve(incoming_[i], last_upstream, last_resolved, last_keep);
          !status.is_ok()) {
        // The resolved ones are ready; the rest stay buffered (a resolved layout resolves to
        // itself again, so a partial pass is harmless).
        return status;
      }
    }
  }
  if (options_.merge) incoming_ = merge_by_primary_key(std::move(incoming_));
  if (next_ == planned_.size()) {
    planned_.clear();
    next_ = 0;
  }
  if (planned_.empty()) {
    planned_ = std::move(incoming_);
  } else {
    planned_.insert(planned_.end(), std::make_move_iterator(incoming_.begin()),
                    std::make_move_iterator(incoming_.end()));
  }
  incoming_.clear();
  return sdk::Status::ok();
}

sdk::Status DmlApplier::worst_failure() const {
  sdk::Status worst;
  for (const auto& worker : workers_) {
    if (severity(worker->failure) > severity(worst)) worst = worker->failure;
  }
  return worst;
}

sdk::Status DmlApplier::resume(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  for (auto& worker : workers_) {
    if (worker->failure.is_ok()) continue;
    if (worker->stale_layout && options_.partial_columns && !worker->queue.empty()) {
      // "Unknown column": the cached layout is stale. Forget the tables of the failed chunk and
      // resolve this worker's queued DMLs again from the names they carry.
      std::set<std::pair<std::string, std::string>> stale;
      for (const Dml& dml : worker->queue.front().dmls)
        stale.emplace(dml.table->schema, dml.table->table);
      for (const auto& [schema, table] : stale)
        tables_.evict_table(schema, table);
      const TableInfo* last_upstream = nullptr;
      std::shared_ptr<const TableInfo> last_resolved;
      std::shared_ptr<const std::vector<size_t>> last_keep;
      for (Chunk& chunk : worker->queue) {
        for (Dml& dml : chunk.dmls) {
          if (!stale.contains({dml.table->schema, dml.table->table})) continue;
          if (auto status = resolve(dml, last_upstream, last_resolved, last_keep);
              !status.is_ok()) {
            return status;
          }
        }
      }
    }
    worker->failure = sdk::Status::ok();
    worker->stale_layout = false;
    worker->wake.notify_all();
  }
  return sdk::Status::ok();
}

sdk::Status DmlApplier::wait_all(std::unique_lock<std::mutex>& lock, int& refreshes) {
  for (;;) {
    // Every worker idle with an empty queue, or stopped by a failure.
    progress_.wait(lock, [this] {
      return std::all_of(workers_.begin(), workers_.end(), [](const auto& worker) {
        return !worker->failure.is_ok() || (!worker->busy && worker->queue.empty());
      });
    });
    sdk::Status worst = worst_failure();
    if (worst.is_ok()) return worst;
    const bool refreshable = options_.partial_columns &&
                             std::all_of(workers_.begin(), workers_.end(), [](const auto& worker) {
                               return worker->failure.is_ok() || worker->stale_layout;
                             });
    if (!refreshable || ++refreshes > kMaxLayoutRefreshes) return worst;
    if (auto status = resume(lock); !status.is_ok()) return status;
  }
}

void DmlApplier::enqueue(size_t index, Dml dml) {
  Worker& worker = *workers_[index];
  const size_t bytes = dml_bytes(dml);
  std::lock_guard lock(mutex_);
  Chunk* tail = worker.queue.empty() ? nullptr : &worker.queue.back();
  // The running head chunk is the worker's; a chunk replayed in safe mode stays as it was.
  const bool tail_open = tail != nullptr && !(worker.busy && worker.queue.size() == 1) &&
                         !tail->force_safe && chunk_accepts(*tail, dml, bytes, options_.plan);
  if (!tail_open) {
    worker.queue.emplace_back();
    tail = &worker.queue.back();
    worker.tail_sealed = false;
    // The chunk before it is complete now.
    if (worker.queue.size() > 1 && worker.failure.is_ok()) worker.wake.notify_one();
  }
  tail->bytes += bytes;
  tail->dmls.push_back(std::move(dml));
  ++in_flight_;
}

void DmlApplier::seal_all() {
  for (auto& worker : workers_) {
    if (worker->queue.empty() || worker->tail_sealed) continue;
    worker->tail_sealed = true;
    if (worker->failure.is_ok()) worker->wake.notify_one();
  }
}

sdk::Status DmlApplier::dispatch() {
  if (auto status = prepare(); !status.is_ok()) return status;
  start_workers();
  {
    std::unique_lock lock(mutex_);
    if (auto status = resume(lock); !status.is_ok()) return status;
  }
  while (next_ < planned_.size()) {
    Dml& dml = planned_[next_];
    if (!placed_worker_) {
      if (dispatcher_.keys() >= kMaxCausalityKeys) {
        barrier_ = true;
        reset_after_barrier_ = true;
      } else {
        bool conflict = false;
        placed_worker_ = dispatcher_.place(dml, conflict);
        if (conflict) barrier_ = true;
      }
    }
    if (barrier_) {
      std::unique_lock lock(mutex_);
      seal_all();
      int refreshes = 0;
      if (auto status = wait_all(lock, refreshes); !status.is_ok()) return status;
      barrier_ = false;
      if (reset_after_barrier_) {
        reset_after_barrier_ = false;
        dispatcher_.reset();
        continue;
      }
    }
    {
      std::unique_lock lock(mutex_);
      // Rows waiting in unsealed chunks count as in flight: let the workers take them.
      if (in_flight_ >= max_in_flight_) seal_all();
      progress_.wait(lock,
                     [this] { return in_flight_ < max_in_flight_ || !worst_failure().is_ok(); });
      if (in_flight_ >= max_in_flight_) return worst_failure();
    }
    enqueue(*placed_worker_, std::move(dml));
    placed_worker_.reset();
    ++next_;
  }
  planned_.clear();
  next_ = 0;
  std::lock_guard lock(mutex_);
  seal_all();
  return worst_failure();
}

sdk::Status DmlApplier::apply(std::vector<RejectedTransaction>* rejected) {
  if (auto status = dispatch(); !status.is_ok()) return status;
  std::unique_lock lock(mutex_);
  int refreshes = 0;
  sdk::Status status = wait_all(lock, refreshes);
  if (!status.is_ok()) return status;
  dispatcher_.reset();  // everything placed has committed (or was skipped)
  if (rejected_.empty()) return status;
  std::vector<RejectedTransaction> reported = std::move(rejected_);
  rejected_.clear();
  lock.unlock();
  std::sort(reported.begin(), reported.end(),
            [](const auto& a, const auto& b) { return a.commit_ts < b.commit_ts; });
  status = sdk::Status::rejected(describe_rejections(reported));
  if (rejected != nullptr) *rejected = std::move(reported);
  return status;
}

void DmlApplier::worker_loop(Worker& worker) {
  std::unique_lock lock(mutex_);
  for (;;) {
    worker.wake.wait(lock,
                     [&] { return stop_ || (!worker.queue.empty() && worker.failure.is_ok()); });
    if (stop_) return;
    Chunk& chunk = worker.queue.front();
    drop_rejected_rows(chunk);
    if (chunk.dmls.empty()) {
      worker.queue.pop_front();
      progress_.notify_all();
      continue;
    }
    worker.busy = true;
    lock.unlock();
    bool stale_layout = false;
    sdk::Status status = run_with_retries(worker, chunk, stale_layout);
    lock.lock();
    worker.busy = false;
    if (status.is_ok()) {
      in_flight_ -= std::min(in_flight_, chunk.dmls.size());
      worker.queue.pop_front();
    } else if (status.code() == sdk::Code::kRejected) {
      reject_head(worker, status);
    } else {
      worker.failure = std::move(status);
      worker.stale_layout = stale_layout;
    }
    progress_.notify_all();
  }
}

void DmlApplier::drop_rejected_rows(Chunk& chunk) {
  if (rejected_.empty()) return;
  const size_t before = chunk.dmls.size();
  std::erase_if(chunk.dmls, [this](const Dml& dml) {
    for (RejectedTransaction& rejected : rejected_) {
      if (rejected.commit_ts != dml.commit_ts) continue;
      ++rejected.skipped_dmls;
      return true;
    }
    return false;
  });
  if (chunk.dmls.size() == before) return;
  in_flight_ -= std::min(in_flight_, before - chunk.dmls.size());
  chunk.bytes = 0;
  for (const Dml& dml : chunk.dmls)
    chunk.bytes += dml_bytes(dml);
}

void DmlApplier::reject_head(Worker& worker, const sdk::Status& status) {
  // The refused downstream transaction was rolled back (run_chunk), so nothing of it committed.
  Chunk chunk = std::move(worker.queue.front());
  worker.queue.pop_front();
  const int64_t commit_ts = chunk.dmls.front().commit_ts;
  const bool one_transaction =
      std::all_of(chunk.dmls.begin(), chunk.dmls.end(),
                  [&](const Dml& dml) { return dml.commit_ts == commit_ts; });
  if (!one_transaction) {
    // Run again one upstream transaction at a time, before anything queued behind (causality).
    std::vector<Chunk> parts = split_by_transaction(std::move(chunk));
    for (auto part = parts.rbegin(); part != parts.rend(); ++part)
      worker.queue.push_front(std::move(*part));
    return;
  }
  in_flight_ -= std::min(in_flight_, chunk.dmls.size());
  for (RejectedTransaction& rejected : rejected_) {
    if (rejected.commit_ts == commit_ts) {  // another part of it was refused already
      rejected.skipped_dmls += chunk.dmls.size();
      return;
    }
  }
  rejected_.push_back(RejectedTransaction{commit_ts, status.message(), chunk.dmls.size()});
}

sdk::Status DmlApplier::run_with_retries(Worker& worker, Chunk& chunk, bool& stale_layout) {
  int conflicts = 0;
  for (;;) {
    if (!worker.connection) {
      SqlError error;
      worker.connection = MysqlConnection::connect(options_.connection, error);
      if (!worker.connection) {
        return status_of(error, "connecting to " + options_.connection.host + ":" +
                                    std::to_string(options_.connection.port) + " as '" +
                                    options_.connection.user + "'");
      }
    }
    ChunkFailure failure = ChunkFailure::kNone;
    sdk::Status status = run_chunk(worker, chunk, failure);
    if (status.is_ok()) {
      applied_dmls_ += chunk.dmls.size();
      return status;
    }
    if (failure == ChunkFailure::kLockConflict && ++conflicts <= kLockConflictRetries) {
      // InnoDB rolled the transaction back (deadlock) or the statement (lock wait timeout, and
      // run_chunk rolled back the rest): parallel workers touching neighbouring index ranges do
      // this; run the chunk again after a short pause.
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * conflicts));
      continue;
    }
    if (failure == ChunkFailure::kConnectionLost) {
      // The transaction may have committed before the connection went away: replay it
      // idempotently, on a new connection.
      chunk.force_safe = true;
      worker.connection.reset();
    }
    if (failure == ChunkFailure::kUnknownColumn && options_.partial_columns) {
      stale_layout = true;
      return sdk::Status::retry(status.message() + " (re-reading the table's layout)");
    }
    return status;
  }
}

sdk::Status DmlApplier::run_chunk(Worker& worker, const Chunk& chunk, ChunkFailure& failure) {
  MysqlConnection& connection = *worker.connection;
  auto failed = [&failure](const SqlError& error, std::string_view what) {
    if (error.connection_lost()) {
      failure = ChunkFailure::kConnectionLost;
    } else if (error.code == ER_LOCK_DEADLOCK || error.code == ER_LOCK_WAIT_TIMEOUT) {
      failure = ChunkFailure::kLockConflict;
    } else if (error.code == ER_BAD_FIELD_ERROR) {
      failure = ChunkFailure::kUnknownColumn;
    } else {
      failure = ChunkFailure::kOther;
    }
    return status_of(error, what);
  };
  std::vector<Statement> statements;
  std::vector<size_t> sources;
  if (auto status = render_batch(chunk.dmls, chunk.force_safe, kMaxRowsPerStatement, statements,
                                 sources, /*bulk_deletes=*/options_.merge);
      !status.is_ok()) {
    failure = ChunkFailure::kOther;
    return status;
  }
  // One statement (e.g. a chunk of inserts rendered as one multi-row INSERT) is atomic on its
  // own: autocommit saves the BEGIN and COMMIT round trips. Not with loopback control, whose mark
  // update must share the transaction.
  const bool single = statements.size() == 1 && !options_.loopback_channel;
  if (!single) {
    if (auto error = connection.execute("BEGIN")) return failed(*error, "BEGIN");
  }
  if (options_.loopback_channel) {
    const Statement mark = loopback_mark_update(worker.index, *options_.loopback_channel);
    if (auto error = connection.execute(mark.sql, mark.params)) {
      if (!error->connection_lost()) connection.execute("ROLLBACK");
      return failed(*error, kLoopbackMarkTable);
    }
  }
  for (size_t i = 0; i < statements.size(); ++i) {
    if (auto error = connection.execute(statements[i].sql, statements[i].params)) {
      if (!single && !error->connection_lost()) connection.execute("ROLLBACK");
      return failed(*error, describe_table(*chunk.dmls[sources[i]].table) + " (" +
                                statements[i].sql.substr(0, 300) + ")");
    }
  }
  if (single) return sdk::Status::ok();
  if (auto error = connection.execute("COMMIT")) return failed(*error, "COMMIT");
  return sdk::Status::ok();
}

}  // namespace sluice::mysql
