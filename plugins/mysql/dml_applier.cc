#include "plugins/mysql/dml_applier.h"

#include <mysqld_error.h>

#include <chrono>
#include <thread>

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

}  // namespace

DmlApplier::DmlApplier(ApplierOptions options) : options_(std::move(options)) {
  if (options_.plan.worker_count == 0) options_.plan.worker_count = 1;
  const size_t workers = options_.plan.enable_dispatch ? options_.plan.worker_count : 1;
  connections_.resize(workers);
}

DmlApplier::~DmlApplier() = default;

size_t DmlApplier::pending() const {
  size_t total = incoming_.size();
  for (const Round& round : rounds_) {
    for (const auto& bucket : round.buckets) {
      for (const Chunk& chunk : bucket)
        total += chunk.dmls.size();
    }
  }
  return total;
}

void DmlApplier::discard() {
  incoming_.clear();
  rounds_.clear();
}

void DmlApplier::close() {
  for (auto& connection : connections_)
    connection.reset();
}

MysqlConnection* DmlApplier::connection(size_t worker, sdk::Status& status) {
  auto& slot = connections_.at(worker);
  if (!slot) {
    SqlError error;
    slot = MysqlConnection::connect(options_.connection, error);
    if (!slot) {
      status = status_of(error, "connecting to " + options_.connection.host + ":" +
                                    std::to_string(options_.connection.port) + " as '" +
                                    options_.connection.user + "'");
      return nullptr;
    }
  }
  status = sdk::Status::ok();
  return slot.get();
}

void DmlApplier::drop_connection(size_t worker) {
  connections_.at(worker).reset();
}

void DmlApplier::table_changed(const std::string& schema, const std::string& table) {
  if (table.empty()) {
    tables_.evict_schema(schema);
  } else {
    tables_.evict_table(schema, table);
  }
}

sdk::Status DmlApplier::resolve_tables() {
  if (!options_.downstream_table_info) return sdk::Status::ok();
  const TableInfo* last_upstream = nullptr;
  std::shared_ptr<const TableInfo> last_resolved;
  for (Dml& dml : incoming_) {
    if (dml.table.get() != last_upstream) {
      sdk::Status status;
      MysqlConnection* connection = this->connection(0, status);
      if (connection == nullptr) return status;
      status = tables_.resolve(*connection, dml.table, last_resolved);
      if (!status.is_ok()) {
        if (status.code() == sdk::Code::kRetry) drop_connection(0);
        return status;
      }
      last_upstream = dml.table.get();
    }
    dml.table = last_resolved;
  }
  return sdk::Status::ok();
}

sdk::Status DmlApplier::apply() {
  if (!incoming_.empty()) {
    if (auto status = resolve_tables(); !status.is_ok()) return status;
    if (options_.merge) incoming_ = merge_by_primary_key(std::move(incoming_));
    std::deque<Round> planned = plan_rounds(std::move(incoming_), options_.plan);
    incoming_.clear();
    for (Round& round : planned)
      rounds_.push_back(std::move(round));
  }
  while (!rounds_.empty()) {
    Round& round = rounds_.front();
    std::vector<size_t> busy;
    for (size_t worker = 0; worker < round.buckets.size(); ++worker) {
      if (!round.buckets[worker].empty()) busy.push_back(worker);
    }
    std::vector<sdk::Status> results(round.buckets.size());
    if (busy.size() == 1) {
      results[busy[0]] = run_bucket(busy[0], round.buckets[busy[0]]);
    } else {
      std::vector<std::jthread> threads;
      threads.reserve(busy.size());
      for (size_t worker : busy) {
        threads.emplace_back([this, worker, &round, &results] {
          results[worker] = run_bucket(worker, round.buckets[worker]);
        });
      }
    }  // jthreads join here
    sdk::Status worst;
    for (sdk::Status& result : results) {
      if (severity(result) > severity(worst)) worst = std::move(result);
    }
    if (!worst.is_ok()) return worst;
    rounds_.pop_front();
  }
  return sdk::Status::ok();
}

sdk::Status DmlApplier::run_bucket(size_t worker, std::deque<Chunk>& bucket) {
  int conflicts = 0;
  while (!bucket.empty()) {
    sdk::Status status;
    MysqlConnection* connection = this->connection(worker, status);
    if (connection == nullptr) return status;
    Chunk& chunk = bucket.front();
    ChunkFailure failure = ChunkFailure::kNone;
    status = run_chunk(*connection, chunk, failure);
    if (failure == ChunkFailure::kLockConflict && ++conflicts <= kLockConflictRetries) {
      // InnoDB rolled the transaction back (deadlock) or the statement (lock wait timeout, and
      // run_chunk rolled back the rest): parallel workers touching neighbouring index ranges do
      // this; run the chunk again after a short pause.
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * conflicts));
      continue;
    }
    if (!status.is_ok()) {
      if (failure == ChunkFailure::kConnectionLost) {
        // The transaction may have committed before the connection went away: replay it
        // idempotently, on a new connection.
        chunk.force_safe = true;
        drop_connection(worker);
      }
      return status;
    }
    applied_dmls_ += chunk.dmls.size();
    bucket.pop_front();
  }
  return sdk::Status::ok();
}

sdk::Status DmlApplier::run_chunk(MysqlConnection& connection, const Chunk& chunk,
                                  ChunkFailure& failure) {
  auto failed = [&failure](const SqlError& error, std::string_view what) {
    if (error.connection_lost()) {
      failure = ChunkFailure::kConnectionLost;
    } else if (error.code == ER_LOCK_DEADLOCK || error.code == ER_LOCK_WAIT_TIMEOUT) {
      failure = ChunkFailure::kLockConflict;
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
  // own: autocommit saves the BEGIN and COMMIT round trips.
  const bool single = statements.size() == 1;
  if (!single) {
    if (auto error = connection.execute("BEGIN")) return failed(*error, "BEGIN");
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
