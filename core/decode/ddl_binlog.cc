#include "core/decode/ddl_binlog.h"

#include <fmt/format.h>

namespace sluice::decode {

Result<std::optional<schema::DdlJob>> in_band_ddl_job(const binlog::Binlog& binlog) {
  if (!binlog.has_ddl_job_json() || binlog.ddl_job_json().empty()) {
    return std::optional<schema::DdlJob>();
  }
  auto job = schema::parse_ddl_job(binlog.ddl_job_json());
  if (!job.is_ok()) {
    return job.status().with_context(
        fmt::format("DDL binlog start_ts {}: in-band job", binlog.start_ts()));
  }
  if (job->id != binlog.ddl_job_id()) {
    return Status::corruption(
        fmt::format("DDL binlog start_ts {}: ddl_job_id {} but the in-band job is {}",
                    binlog.start_ts(), binlog.ddl_job_id(), job->id));
  }
  return std::optional<schema::DdlJob>(std::move(job).value());
}

}  // namespace sluice::decode
