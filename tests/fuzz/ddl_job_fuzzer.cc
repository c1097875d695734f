// libFuzzer target: DDL job JSON (carried in-band in DDL binlogs) and schema snapshots.
// fuzz-sources: core/codec/*.cc core/common/status.cc
// fuzz-sources: core/schema/table_info.cc core/schema/schema_tracker.cc
// fuzz-libs: -lfmt
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/schema/schema_tracker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto job = sluice::schema::parse_ddl_job(text);
  if (job.is_ok()) {
    sluice::schema::SchemaTracker tracker;
    (void)tracker.apply(*job);
    (void)tracker.find(job->table_id, job->schema_version);
  }
  (void)sluice::schema::SchemaTracker::restore(text);
  return 0;
}
