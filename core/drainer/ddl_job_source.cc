#include "core/drainer/ddl_job_source.h"

namespace sluice::drainer {

TidbDdlJobSource::TidbDdlJobSource(std::string status_url)
    : url_(status_url), source_(std::move(status_url)) {}

Result<std::optional<schema::DdlJob>> TidbDdlJobSource::job(int64_t job_id) {
  if (auto found = jobs_.find(job_id); found != jobs_.end()) return std::optional(found->second);
  auto history = source_.ddl_history();
  if (!history.is_ok()) return history.status();
  for (auto& job : *history)
    jobs_[job.id] = std::move(job);
  if (auto found = jobs_.find(job_id); found != jobs_.end()) return std::optional(found->second);
  return std::optional<schema::DdlJob>();
}

}  // namespace sluice::drainer
