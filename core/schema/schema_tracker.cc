#include "core/schema/schema_tracker.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/common/json_reader.h"

namespace sluice::schema {

void SchemaTracker::put_table(int64_t version, int64_t schema_id, TableInfo table) {
  const int64_t id = table.id;
  for (const auto& partition : table.partitions)
    partition_owner_[partition.id] = id;
  history_[id].push_back(
      Entry{version, schema_id, std::make_shared<const TableInfo>(std::move(table))});
}

void SchemaTracker::drop_table(int64_t version, int64_t table_id) {
  auto it = history_.find(table_id);
  if (it == history_.end() || it->second.empty() || it->second.back().table == nullptr) return;
  const int64_t schema_id = it->second.back().schema_id;
  it->second.push_back(Entry{version, schema_id, nullptr});
}

const SchemaTracker::Entry* SchemaTracker::latest_entry(int64_t logical_table_id) const {
  const auto it = history_.find(logical_table_id);
  if (it == history_.end() || it->second.empty()) return nullptr;
  return &it->second.back();
}

int64_t SchemaTracker::logical_id(int64_t physical_table_id) const {
  const auto owner = partition_owner_.find(physical_table_id);
  return owner == partition_owner_.end() ? physical_table_id : owner->second;
}

Result<bool> SchemaTracker::apply(const DdlJob& job, int64_t commit_ts) {
  if (job.schema_version == 0) return false;  // a failed DDL: TiDB stamps version 0
  if (job.state != kJobStateDone && job.state != kJobStateSynced) return false;
  if (job.schema_version <= version_) {
    auto applied = applied_jobs_.find(job.schema_version);
    if (applied != applied_jobs_.end() && applied->second.job_id == job.id &&
        (commit_ts == 0 || applied->second.commit_ts == 0 ||
         applied->second.commit_ts == commit_ts)) {
      return false;  // the same job again: a replay
    }
    if (applied_jobs_.empty() || job.schema_version < applied_jobs_.begin()->first) {
      return false;  // older than what is remembered: taken as a replay
    }
    return Status::failed_precondition(fmt::format(
        "DDL job {} ('{}') has schema version {}, not above the drainer's schema version {}{}; "
        "schema versions only grow in one cluster: is a second producer writing binlogs with "
        "this cluster id, or did a producer start its counters again? The DDL is not applied",
        job.id, job.query, job.schema_version, version_,
        applied != applied_jobs_.end()
            ? fmt::format(" (job {} of commit_ts {} was applied at that version)",
                          applied->second.job_id, applied->second.commit_ts)
            : std::string()));
  }
  const int64_t version = job.schema_version;
  auto need_table = [&]() -> Status {
    if (!job.table_info) {
      return Status::invalid_argument(
          fmt::format("DDL job {} (type {}, '{}') has no table info in its binlog", job.id,
                      job.type, job.query));
    }
    return Status::ok();
  };
  switch (job.type) {
    case action::kCreateSchema:
    case action::kModifySchemaCharsetAndCollate: {
      if (!job.db_info) {
        return Status::invalid_argument(
            fmt::format("DDL job {} ('{}') has no database info in its binlog", job.id, job.query));
      }
      databases_[job.db_info->id] = Database{*job.db_info, false};
      break;
    }
    case action::kDropSchema: {
      for (auto& [table_id, entries] : history_) {
        if (!entries.empty() && entries.back().table && entries.back().schema_id == job.schema_id) {
          entries.push_back(Entry{version, job.schema_id, nullptr});
        }
      }
      if (auto db = databases_.find(job.schema_id); db != databases_.end())
        db->second.dropped = true;
      break;
    }
    case action::kDropTable:
    case action::kDropView:
    case action::kDropSequence:
      drop_table(version, job.table_id);
      break;
    case action::kTruncateTable: {
      SLUICE_RETURN_IF_ERROR(need_table());
      drop_table(version, job.table_id);
      put_table(version, job.schema_id, *job.table_info);
      break;
    }
    case action::kRenameTables:
    case action::kCreateTables: {
      for (const auto& table : job.multiple_table_infos) {
        const Entry* current = latest_entry(table.id);
        const int64_t schema_id =
            (job.type == action::kRenameTables && current) ? current->schema_id : job.schema_id;
        put_table(version, schema_id, table);
      }
      break;
    }
    default: {
      // Every other job that carries a table layout (create, recover, rename, column, index and
      // partition changes, ...) replaces the table's layout; jobs without one (placement, TiFlash
      // replicas, locks, ...) leave layouts as they are.
      if (job.table_info) put_table(version, job.schema_id, *job.table_info);
      break;
    }
  }
  version_ = version;
  applied_jobs_[version] = AppliedJob{job.id, commit_ts};
  while (applied_jobs_.size() > kRememberedJobs)
    applied_jobs_.erase(applied_jobs_.begin());
  return true;
}

Result<TableAtVersion> SchemaTracker::resolve(int64_t physical_table_id, const Entry& entry) const {
  if (entry.table == nullptr) {
    return Status::not_found(fmt::format("table id {} was dropped at schema version {}",
                                         physical_table_id, entry.version));
  }
  TableAtVersion result;
  result.logical_table_id = entry.table->id;
  result.table = entry.table;
  result.version = entry.version;
  if (auto db = databases_.find(entry.schema_id); db != databases_.end()) {
    result.schema_name = db->second.info.name;
  }
  return result;
}

Result<TableAtVersion> SchemaTracker::find(int64_t physical_table_id,
                                           int64_t schema_version) const {
  const auto it = history_.find(logical_id(physical_table_id));
  if (it == history_.end() || it->second.empty()) {
    return Status::not_found(fmt::format("not found table id {}", physical_table_id));
  }
  const Entry* chosen = &it->second.front();  // older than anything known: the oldest layout
  for (const Entry& entry : it->second) {
    if (entry.version > schema_version) break;
    chosen = &entry;
  }
  return resolve(physical_table_id, *chosen);
}

Result<TableAtVersion> SchemaTracker::find_latest(int64_t physical_table_id) const {
  const Entry* entry = latest_entry(logical_id(physical_table_id));
  if (entry == nullptr) {
    return Status::not_found(fmt::format("not found table id {}", physical_table_id));
  }
  return resolve(physical_table_id, *entry);
}

std::optional<DbInfo> SchemaTracker::find_database(int64_t schema_id) const {
  const auto it = databases_.find(schema_id);
  if (it == databases_.end()) return std::nullopt;
  return it->second.info;
}

std::optional<std::pair<std::string, std::string>> SchemaTracker::names_of(
    int64_t physical_table_id) const {
  const auto it = history_.find(logical_id(physical_table_id));
  if (it == history_.end()) return std::nullopt;
  for (auto entry = it->second.rbegin(); entry != it->second.rend(); ++entry) {
    if (entry->table == nullptr) continue;
    std::string schema_name;
    if (auto db = databases_.find(entry->schema_id); db != databases_.end()) {
      schema_name = db->second.info.name;
    }
    return std::make_pair(schema_name, entry->table->name);
  }
  return std::nullopt;
}

std::string SchemaTracker::snapshot() const {
  nlohmann::json databases = nlohmann::json::array();
  for (const auto& [id, database] : databases_) {
    nlohmann::json entry = to_json(database.info);
    entry["sluice_dropped"] = database.dropped;
    databases.push_back(std::move(entry));
  }
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& [id, entries] : history_) {
    for (const Entry& entry : entries) {
      tables.push_back({{"id", id},
                        {"version", entry.version},
                        {"schema_id", entry.schema_id},
                        {"table", entry.table ? to_json(*entry.table) : nlohmann::json(nullptr)}});
    }
  }
  nlohmann::json applied = nlohmann::json::array();
  for (const auto& [version, job] : applied_jobs_)
    applied.push_back({version, job.job_id, job.commit_ts});
  return nlohmann::json{{"format", 1},
                        {"version", version_},
                        {"databases", databases},
                        {"tables", tables},
                        {"applied_jobs", applied}}
      // Names come from parsed JSON (valid UTF-8); replace keeps a stray byte from throwing.
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<SchemaTracker> SchemaTracker::restore(std::string_view bytes) {
  namespace jr = json_reader;
  constexpr std::string_view kWhere = "schema snapshot";
  SLUICE_ASSIGN_OR_RETURN(const jr::Json object, jr::parse_object(bytes, kWhere));
  SLUICE_ASSIGN_OR_RETURN(const int64_t format, jr::read_int64_or(object, "format", kWhere, 0));
  if (format != 1 || !object.contains("databases") || !object.contains("tables")) {
    return Status::corruption("schema snapshot: not a Sluice schema snapshot (format 1)");
  }
  SchemaTracker tracker;
  SLUICE_ASSIGN_OR_RETURN(tracker.version_, jr::read_int64_or(object, "version", kWhere, 0));
  SLUICE_ASSIGN_OR_RETURN(const jr::Json* databases, jr::read_array(object, "databases", kWhere));
  for (size_t i = 0; i < databases->size(); ++i) {
    const jr::Json& entry = (*databases)[i];
    const std::string where = fmt::format("schema snapshot databases[{}]", i);
    SLUICE_RETURN_IF_ERROR(jr::expect_object(entry, where));
    auto info = parse_db_info(entry);
    if (!info.is_ok()) return info.status().with_context(where);
    SLUICE_ASSIGN_OR_RETURN(const bool dropped,
                            jr::read_bool_or(entry, "sluice_dropped", where, false));
    const int64_t id = info->id;
    tracker.databases_[id] = Database{std::move(info).value(), dropped};
  }
  SLUICE_ASSIGN_OR_RETURN(const jr::Json* tables, jr::read_array(object, "tables", kWhere));
  for (size_t i = 0; i < tables->size(); ++i) {
    const jr::Json& entry = (*tables)[i];
    const std::string where = fmt::format("schema snapshot tables[{}]", i);
    SLUICE_ASSIGN_OR_RETURN(const int64_t id, jr::read_int64(entry, "id", where));
    SLUICE_ASSIGN_OR_RETURN(const int64_t version, jr::read_int64(entry, "version", where));
    SLUICE_ASSIGN_OR_RETURN(const int64_t schema_id,
                            jr::read_int64_or(entry, "schema_id", where, 0));
    SLUICE_ASSIGN_OR_RETURN(const jr::Json* table, jr::require_field(entry, "table", where));
    if (table->is_null()) {
      tracker.history_[id].push_back(Entry{version, schema_id, nullptr});
      continue;
    }
    if (!table->is_object()) {
      return jr::wrong_type(jr::field_name(where, "table"), *table, "an object");
    }
    auto parsed = parse_table_info(*table);
    if (!parsed.is_ok()) return parsed.status().with_context(where);
    tracker.put_table(version, schema_id, std::move(parsed).value());
  }
  // [[schema version, job id, commit_ts], ...]; absent in snapshots of older Sluice versions.
  SLUICE_ASSIGN_OR_RETURN(const jr::Json* applied,
                          jr::read_array_or_null(object, "applied_jobs", kWhere));
  if (applied != nullptr) {
    for (size_t i = 0; i < applied->size(); ++i) {
      const jr::Json& pair = (*applied)[i];
      const std::string where = fmt::format("schema snapshot applied_jobs[{}]", i);
      if (!pair.is_array() || pair.size() != 3 || !pair[0].is_number_integer() ||
          !pair[1].is_number_integer() || !pair[2].is_number_integer()) {
        return Status::corruption(where + ": not a [schema version, job id, commit_ts] triple");
      }
      tracker.applied_jobs_[pair[0].get<int64_t>()] =
          AppliedJob{pair[1].get<int64_t>(), pair[2].get<int64_t>()};
    }
  }
  return tracker;
}

}  // namespace sluice::schema
