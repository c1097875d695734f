#pragma once
// Producer: emits a transaction's binlogs the way TiDB's 2PC does (tidb-binlog-facts.md §2):
// start_ts from the TSO, the P-binlog {Prewrite, start_ts, prewrite_key, prewrite_value} to a
// pump, and only when that succeeded commit_ts from the TSO and the C-binlog {Commit, start_ts,
// commit_ts} to the same pump. A failed P-binlog fails the transaction and nothing else is sent.
// Rollback sends {Rollback, start_ts, commit_ts = 0} instead of the commit. DDL jobs go as TiDB
// writes them: a P-binlog with ddl_job_id, ddl_query and ddl_schema_state and no mutations, plus
// the job's JSON in the Sluice field ddl_job_json, then a C-binlog.
// As in TiDB (whose C-binlog is the P-binlog's struct with tp and commit_ts set and
// prewrite_value cleared), the C-binlog also repeats prewrite_key and the ddl_* fields.
//
// Unlike TiDB, which sends the C-binlog without waiting, commit() returns once the C-binlog is
// written (or the pump client gave up), so the caller knows the outcome.
//
// Borrows the TSO (any tso::TsoSource: LocalTso, tso::EmbeddedTso, ...) and the pump client, which
// must outlive it. Thread-safe as far as they are (LocalTso, EmbeddedTso and PumpClient are); a
// TransactionBuilder must not change while it is committed.

#include <cstdint>

#include "core/common/result.h"
#include "core/proto/binlog.pb.h"
#include "core/schema/table_info.h"
#include "core/tso/tso_source.h"
#include "sdk/producer/pump_client.h"
#include "sdk/producer/transaction_builder.h"

namespace sluice::producer {

struct CommitTimestamps {
  int64_t start_ts = 0;
  int64_t commit_ts = 0;
};

// The schema state TiDB records in a DDL binlog: StateNone for the final binlog of a drop
// (database, table, column, index, partition, view, sequence), StatePublic otherwise.
schema::SchemaState ddl_schema_state_of(const schema::DdlJob& job);

// What prewrite() hands to commit_prewritten() / rollback_prewritten(): the P-binlog as written,
// without its prewrite_value.
struct Prewritten {
  binlog::Binlog binlog;
  int64_t start_ts() const { return binlog.start_ts(); }
};

// The C-binlog TiDB derives from a P-binlog: tp Commit (Rollback when commit_ts is 0), commit_ts
// set, prewrite_value cleared, everything else kept.
binlog::Binlog make_finish_binlog(const binlog::Binlog& prewrite, int64_t commit_ts);

// The Prewrite binlog of a transaction (start_ts set, commit_ts unset); InvalidArgument when the
// transaction is empty.
Result<binlog::Binlog> make_prewrite_binlog(const TransactionBuilder& txn, int64_t start_ts);
// The Prewrite binlog of a DDL job. Its JSON carries FinishedTS = start_ts, as TiDB sets the
// finished ts to the start ts of the job's last transaction.
Result<binlog::Binlog> make_ddl_prewrite_binlog(const schema::DdlJob& job,
                                                schema::SchemaState state, int64_t start_ts);

class Producer {
 public:
  Producer(tso::TsoSource& tso, PumpClient& pumps) : tso_(tso), pumps_(pumps) {}

  // P-binlog then C-binlog.
  Result<CommitTimestamps> commit(const TransactionBuilder& txn);
  // P-binlog then a Rollback binlog; returns the start_ts.
  Result<int64_t> rollback(const TransactionBuilder& txn);
  // A DDL job's binlogs, with the schema state from ddl_schema_state_of(job) or the one given.
  Result<CommitTimestamps> execute_ddl(const schema::DdlJob& job);
  Result<CommitTimestamps> execute_ddl(const schema::DdlJob& job, schema::SchemaState state);

  // The two halves, for callers that do work between them: prewrite(), then exactly one of
  // commit_prewritten() (returns the commit_ts) or rollback_prewritten().
  Result<Prewritten> prewrite(const TransactionBuilder& txn);
  Result<int64_t> commit_prewritten(const Prewritten& prewritten);
  Status rollback_prewritten(const Prewritten& prewritten);

 private:
  Result<Prewritten> write_prewrite(binlog::Binlog binlog);

  tso::TsoSource& tso_;
  PumpClient& pumps_;
};

}  // namespace sluice::producer
