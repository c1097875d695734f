#pragma once
// TidbHttpSource: reads schema from a TiDB server's HTTP status API (default port 10080), for
// drainers fed by a real TiDB cluster whose DDL binlogs carry no job JSON:
//   GET /ddl/history             finished DDL jobs (model.Job JSON array)
//   GET /schema?table_id=<id>    one table's TableInfo
//   GET /db-table/<id>           {"db_info": ..., "table_info": ...}
// Each call is a blocking HTTP request with a timeout; errors name the URL and the cause.
// Thread-compatible: use one instance per thread.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/schema/table_info.h"

namespace httplib {
class Client;
}

namespace sluice::schema {

class TidbHttpSource {
 public:
  // `base_url` like "http://127.0.0.1:10080".
  explicit TidbHttpSource(std::string base_url,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TidbHttpSource();
  TidbHttpSource(const TidbHttpSource&) = delete;
  TidbHttpSource& operator=(const TidbHttpSource&) = delete;

  // Finished DDL jobs (state done or synced), sorted by schema version.
  Result<std::vector<DdlJob>> ddl_history();
  // The table with this id (a partition id resolves to its table on the TiDB side).
  Result<TableInfo> table_by_id(int64_t table_id);
  // The table and its database.
  Result<std::pair<DbInfo, TableInfo>> db_table_by_id(int64_t table_id);

 private:
  Result<std::string> get(const std::string& path);

  std::string base_url_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace sluice::schema
