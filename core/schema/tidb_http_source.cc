#include "core/schema/tidb_http_source.h"

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/common/json_reader.h"

namespace sluice::schema {

TidbHttpSource::TidbHttpSource(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), client_(std::make_unique<httplib::Client>(base_url_)) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client_->set_connection_timeout(seconds.count(), micros.count());
  client_->set_read_timeout(seconds.count(), micros.count());
}

TidbHttpSource::~TidbHttpSource() = default;

Result<std::string> TidbHttpSource::get(const std::string& path) {
  auto response = client_->Get(path);
  if (!response) {
    return Status::unavailable(fmt::format("TiDB status API {}{}: {}", base_url_, path,
                                           httplib::to_string(response.error())));
  }
  if (response->status == 404) {
    return Status::not_found(fmt::format("TiDB status API {}{}: 404 {}", base_url_, path,
                                         response->body.substr(0, 200)));
  }
  if (response->status != 200) {
    return Status::unavailable(fmt::format("TiDB status API {}{}: HTTP {} {}", base_url_, path,
                                           response->status, response->body.substr(0, 200)));
  }
  return std::move(response->body);
}

Result<std::vector<DdlJob>> TidbHttpSource::ddl_history() {
  namespace jr = json_reader;
  SLUICE_ASSIGN_OR_RETURN(std::string body, get("/ddl/history"));
  const std::string where = base_url_ + "/ddl/history";
  SLUICE_ASSIGN_OR_RETURN(const jr::Json array, jr::parse(body, where));
  if (!array.is_array()) return jr::wrong_type(where, array, "an array");
  std::vector<DdlJob> jobs;
  for (const auto& entry : array) {
    auto job = parse_ddl_job_json(entry);
    if (!job.is_ok()) return job.status().with_context(where);
    if (job->state != kJobStateDone && job->state != kJobStateSynced) continue;
    jobs.push_back(std::move(job).value());
  }
  std::stable_sort(jobs.begin(), jobs.end(), [](const DdlJob& a, const DdlJob& b) {
    return a.schema_version < b.schema_version;
  });
  return jobs;
}

Result<TableInfo> TidbHttpSource::table_by_id(int64_t table_id) {
  const std::string path = fmt::format("/schema?table_id={}", table_id);
  SLUICE_ASSIGN_OR_RETURN(std::string body, get(path));
  SLUICE_ASSIGN_OR_RETURN(const json_reader::Json object,
                          json_reader::parse(body, base_url_ + path));
  auto table = parse_table_info(object);
  if (!table.is_ok()) return table.status().with_context(base_url_ + path);
  return table;
}

Result<std::pair<DbInfo, TableInfo>> TidbHttpSource::db_table_by_id(int64_t table_id) {
  namespace jr = json_reader;
  const std::string path = fmt::format("/db-table/{}", table_id);
  SLUICE_ASSIGN_OR_RETURN(std::string body, get(path));
  const std::string where = base_url_ + path;
  SLUICE_ASSIGN_OR_RETURN(const jr::Json object, jr::parse_object(body, where));
  SLUICE_ASSIGN_OR_RETURN(const jr::Json* db_json, jr::read_object(object, "db_info", where));
  SLUICE_ASSIGN_OR_RETURN(const jr::Json* table_json, jr::read_object(object, "table_info", where));
  auto db = parse_db_info(*db_json);
  if (!db.is_ok()) return db.status().with_context(jr::field_name(where, "db_info"));
  auto table = parse_table_info(*table_json);
  if (!table.is_ok()) return table.status().with_context(jr::field_name(where, "table_info"));
  return std::make_pair(std::move(db).value(), std::move(table).value());
}

}  // namespace sluice::schema
