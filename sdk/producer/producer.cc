#include "sdk/producer/producer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/codec/datum_codec.h"

namespace sluice::producer {
namespace {

// The key a DDL job's transaction is anchored on. TiDB's is a meta key of the job; any non-empty
// bytes serve a pump, which only needs the key to ask TiKV about a transaction it never saw
// commit.
std::string ddl_prewrite_key(int64_t job_id) {
  std::string key = "mDDLJob";
  codec::append_comparable_int(key, job_id);
  return key;
}

}  // namespace

schema::SchemaState ddl_schema_state_of(const schema::DdlJob& job) {
  namespace action = schema::action;
  switch (job.type) {
    case action::kDropSchema:
    case action::kDropTable:
    case action::kDropColumn:
    case action::kDropIndex:
    case action::kDropTablePartition:
    case action::kDropView:
    case action::kDropSequence:
      return schema::SchemaState::kNone;
    default:
      return schema::SchemaState::kPublic;
  }
}

Result<binlog::Binlog> make_prewrite_binlog(const TransactionBuilder& txn, int64_t start_ts) {
  if (txn.empty()) {
    return Status::invalid_argument("the transaction changes no row; TiDB writes no binlog for it");
  }
  binlog::Binlog binlog;
  binlog.set_tp(binlog::Prewrite);
  binlog.set_start_ts(start_ts);
  binlog.set_prewrite_key(txn.primary_key());
  if (!txn.prewrite_value().SerializeToString(binlog.mutable_prewrite_value())) {
    return Status::internal("cannot serialize the PrewriteValue");
  }
  return binlog;
}

Result<binlog::Binlog> make_ddl_prewrite_binlog(const schema::DdlJob& job,
                                                schema::SchemaState state, int64_t start_ts) {
  if (job.id <= 0) return Status::invalid_argument("a DDL binlog needs a job id > 0");
  schema::DdlJob finished = job;
  finished.finished_ts = start_ts;
  binlog::Binlog binlog;
  binlog.set_tp(binlog::Prewrite);
  binlog.set_start_ts(start_ts);
  binlog.set_prewrite_key(ddl_prewrite_key(job.id));
  binlog.set_ddl_query(job.query);
  binlog.set_ddl_job_id(job.id);
  binlog.set_ddl_schema_state(static_cast<int32_t>(state));
  // Replace, not throw, should a name not be valid UTF-8: no exception leaves the library.
  binlog.set_ddl_job_json(
      schema::to_json(finished).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return binlog;
}

binlog::Binlog make_finish_binlog(const binlog::Binlog& prewrite, int64_t commit_ts) {
  binlog::Binlog finish = prewrite;
  finish.set_tp(commit_ts == 0 ? binlog::Rollback : binlog::Commit);
  finish.set_commit_ts(commit_ts);
  finish.clear_prewrite_value();
  return finish;
}

Result<Prewritten> Producer::write_prewrite(binlog::Binlog binlog) {
  SLUICE_RETURN_IF_ERROR(pumps_.write_prewrite(binlog));
  binlog.clear_prewrite_value();  // what the C-binlog keeps of it
  return Prewritten{std::move(binlog)};
}

Result<Prewritten> Producer::prewrite(const TransactionBuilder& txn) {
  SLUICE_ASSIGN_OR_RETURN(int64_t start_ts, tso_.next());
  SLUICE_ASSIGN_OR_RETURN(binlog::Binlog binlog, make_prewrite_binlog(txn, start_ts));
  return write_prewrite(std::move(binlog));
}

Result<int64_t> Producer::commit_prewritten(const Prewritten& prewritten) {
  SLUICE_ASSIGN_OR_RETURN(int64_t commit_ts, tso_.next());
  SLUICE_RETURN_IF_ERROR(pumps_.write_commit(make_finish_binlog(prewritten.binlog, commit_ts)));
  return commit_ts;
}

Status Producer::rollback_prewritten(const Prewritten& prewritten) {
  return pumps_.write_commit(make_finish_binlog(prewritten.binlog, 0));
}

Result<CommitTimestamps> Producer::commit(const TransactionBuilder& txn) {
  SLUICE_ASSIGN_OR_RETURN(Prewritten prewritten, prewrite(txn));
  SLUICE_ASSIGN_OR_RETURN(int64_t commit_ts, commit_prewritten(prewritten));
  return CommitTimestamps{prewritten.start_ts(), commit_ts};
}

Result<int64_t> Producer::rollback(const TransactionBuilder& txn) {
  SLUICE_ASSIGN_OR_RETURN(Prewritten prewritten, prewrite(txn));
  SLUICE_RETURN_IF_ERROR(rollback_prewritten(prewritten));
  return prewritten.start_ts();
}

Result<CommitTimestamps> Producer::execute_ddl(const schema::DdlJob& job) {
  return execute_ddl(job, ddl_schema_state_of(job));
}

Result<CommitTimestamps> Producer::execute_ddl(const schema::DdlJob& job,
                                               schema::SchemaState state) {
  SLUICE_ASSIGN_OR_RETURN(int64_t start_ts, tso_.next());
  SLUICE_ASSIGN_OR_RETURN(binlog::Binlog binlog, make_ddl_prewrite_binlog(job, state, start_ts));
  SLUICE_ASSIGN_OR_RETURN(Prewritten prewritten, write_prewrite(std::move(binlog)));
  SLUICE_ASSIGN_OR_RETURN(int64_t commit_ts, commit_prewritten(prewritten));
  return CommitTimestamps{start_ts, commit_ts};
}

}  // namespace sluice::producer
