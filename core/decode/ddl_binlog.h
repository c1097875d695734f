#pragma once
// Reading a DDL binlog: the statement, and the DDL job that Sluice producers carry in-band in the
// Binlog's field 100 (`ddl_job_json`, ignored by readers of the original). Pure functions.

#include <optional>
#include <string>

#include "core/proto/binlog.pb.h"
#include "core/schema/table_info.h"

namespace sluice::decode {

// True when the binlog carries a DDL (ddl_job_id > 0, as the original decides).
inline bool is_ddl(const binlog::Binlog& binlog) {
  return binlog.ddl_job_id() > 0;
}

// The in-band DDL job, nullopt when the binlog has none (e.g. it came from a TiDB server: then the
// job comes from TiDB's status API); an error when present but malformed, or for another job id.
Result<std::optional<schema::DdlJob>> in_band_ddl_job(const binlog::Binlog& binlog);

}  // namespace sluice::decode
