#include "core/drainer/transaction_assembler.h"

#include <fmt/format.h>

#include <cctype>

#include "core/decode/ddl_binlog.h"

namespace sluice::drainer {

namespace {

bool is_database_level(int type) {
  return type == schema::action::kCreateSchema || type == schema::action::kDropSchema ||
         type == schema::action::kModifySchemaCharsetAndCollate;
}

}  // namespace

bool is_sequence_setval(std::string_view query) {
  size_t at = 0;
  while (at < query.size() && std::isspace(static_cast<unsigned char>(query[at])))
    ++at;
  constexpr std::string_view kPrefix = "select setval";
  if (query.size() - at < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(query[at + i])) != kPrefix[i]) return false;
  }
  return true;
}

void TransactionAssembler::reset_caches() {
  decoder_.clear_cache();
  tables_.clear();
}

Result<Assembled> TransactionAssembler::assemble(std::string_view payload,
                                                 std::string_view source) {
  binlog::Binlog binlog;
  if (!binlog.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::corruption(
        fmt::format("the binlog from pump {} ({} bytes) is not a valid binlog.Binlog message",
                    source, payload.size()));
  }
  Assembled out;
  if (binlog.start_ts() == binlog.commit_ts()) {
    out.skip_reason = "fake binlog";
    return out;
  }
  if (ignored_.count(binlog.commit_ts()) != 0) {
    out.skip_reason = "listed in ignore-txn-commit-ts";
    return out;
  }
  if (decode::is_ddl(binlog)) return assemble_ddl(binlog, source);
  return assemble_dml(binlog, payload.size(), source);
}

Result<Assembled> TransactionAssembler::assemble_ddl(const binlog::Binlog& binlog,
                                                     std::string_view source) {
  Assembled out;
  const std::string& query = binlog.ddl_query();
  if (is_sequence_setval(query)) {
    out.skip_reason = "sequence value change (select setval)";
    return out;
  }
  auto in_band = decode::in_band_ddl_job(binlog);
  if (!in_band.is_ok()) {
    return Status::corruption(fmt::format("DDL binlog commit_ts {} from pump {}: {}",
                                          binlog.commit_ts(), source, in_band.status().message()));
  }
  std::optional<schema::DdlJob> job = std::move(in_band).value();
  if (!job && job_source_ != nullptr) {
    auto looked_up = job_source_->job(binlog.ddl_job_id());
    if (!looked_up.is_ok()) {
      return Status(
          looked_up.status().code(),
          fmt::format("DDL job {} (commit_ts {}): reading {} failed: {}", binlog.ddl_job_id(),
                      binlog.commit_ts(), job_source_->describe(), looked_up.status().message()));
    }
    job = std::move(looked_up).value();
  }
  if (!job) {
    return Status::failed_precondition(fmt::format(
        "DDL job {} (commit_ts {}, '{}') carries no job in its binlog and {}; the drainer cannot "
        "know the new table layout. Set `tidb-status-url` to the TiDB server's status address",
        binlog.ddl_job_id(), binlog.commit_ts(), query,
        job_source_ ? "the schema source does not know it" : "no schema source is configured"));
  }
  if (job->state != schema::kJobStateDone && job->state != schema::kJobStateSynced) {
    out.skip_reason = fmt::format("DDL job {} is not finished (state {})", job->id, job->state);
    return out;
  }
  if (job->schema_version == 0) {
    out.skip_reason = fmt::format("DDL job {} failed upstream (schema version 0)", job->id);
    return out;
  }
  auto applied = tracker_.apply(*job, binlog.commit_ts());
  if (!applied.is_ok()) {
    return Status(applied.status().code(), fmt::format("DDL commit_ts {}: {}", binlog.commit_ts(),
                                                       applied.status().message()));
  }
  out.schema_changed = *applied;
  if (*applied) reset_caches();
  if (query.empty()) {
    out.skip_reason = fmt::format("DDL job {} has no statement", job->id);
    return out;
  }
  auto txn = std::make_unique<DrainerTransaction>();
  txn->ddl = true;
  txn->commit_ts = binlog.commit_ts();
  txn->start_ts = binlog.start_ts();
  txn->schema_version = job->schema_version;
  txn->payload_bytes = binlog.ByteSizeLong();
  txn->ddl_query = query;
  txn->ddl_schema = job->schema_name;
  if (txn->ddl_schema.empty() && job->db_info) txn->ddl_schema = job->db_info->name;
  if (txn->ddl_schema.empty()) {
    if (auto db = tracker_.find_database(job->schema_id)) txn->ddl_schema = db->name;
  }
  if (!is_database_level(job->type)) {
    txn->ddl_table = job->table_name;
    if (txn->ddl_table.empty() && job->table_info) txn->ddl_table = job->table_info->name;
    if (txn->ddl_table.empty()) {
      if (auto names = tracker_.names_of(job->table_id)) txn->ddl_table = names->second;
    }
  }
  txn->build_events();
  out.transaction = std::move(txn);
  return out;
}

Result<Assembled> TransactionAssembler::assemble_dml(const binlog::Binlog& binlog,
                                                     size_t payload_bytes,
                                                     std::string_view source) {
  Assembled out;
  auto txn = std::make_unique<DrainerTransaction>();
  if (!txn->prewrite.ParseFromString(binlog.prewrite_value())) {
    return Status::corruption(
        fmt::format("binlog commit_ts {} from pump {}: prewrite_value ({} bytes) is not a valid "
                    "binlog.PrewriteValue",
                    binlog.commit_ts(), source, binlog.prewrite_value().size()));
  }
  if (txn->prewrite.mutations_size() == 0) {
    out.skip_reason = "no mutations";
    return out;
  }
  txn->commit_ts = binlog.commit_ts();
  txn->start_ts = binlog.start_ts();
  txn->schema_version = txn->prewrite.schema_version();
  txn->payload_bytes = payload_bytes;
  for (const binlog::TableMutation& mutation : txn->prewrite.mutations()) {
    const size_t before = txn->rows.size();
    Status decoded = decoder_.decode(mutation, txn->schema_version, txn->rows, txn->arena);
    if (!decoded.is_ok()) {
      std::string hint;
      if (decoded.code() == StatusCode::kNotFound) {
        hint =
            " (the drainer never saw this table's CREATE: start it from a checkpoint taken "
            "before the table was created, or set `tidb-status-url`)";
      }
      return Status(decoded.code(),
                    fmt::format("binlog commit_ts {} from pump {}: {}{}", binlog.commit_ts(),
                                source, decoded.message(), hint));
    }
    for (size_t i = before; i < txn->rows.size(); ++i) {
      txn->row_tables.push_back(tables_.get(txn->rows[i].layout));
    }
  }
  txn->build_events();
  out.transaction = std::move(txn);
  return out;
}

}  // namespace sluice::drainer
