#pragma once
// DdlJobSource: where the drainer finds the DDL job of a DDL binlog that carries none in-band
// (binlogs from a real TiDB server). TidbDdlJobSource reads TiDB's /ddl/history through the
// status API and caches it, refetching when a job id is missing (a newer DDL). Thread-compatible:
// the syncer thread uses it.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/common/result.h"
#include "core/schema/table_info.h"
#include "core/schema/tidb_http_source.h"

namespace sluice::drainer {

class DdlJobSource {
 public:
  virtual ~DdlJobSource() = default;
  // The finished job with this id; nullopt when the source does not know it.
  virtual Result<std::optional<schema::DdlJob>> job(int64_t job_id) = 0;
  virtual std::string describe() const = 0;
};

class TidbDdlJobSource : public DdlJobSource {
 public:
  explicit TidbDdlJobSource(std::string status_url);
  Result<std::optional<schema::DdlJob>> job(int64_t job_id) override;
  std::string describe() const override { return "TiDB status API " + url_; }

 private:
  std::string url_;
  schema::TidbHttpSource source_;
  std::map<int64_t, schema::DdlJob> jobs_;
};

}  // namespace sluice::drainer
