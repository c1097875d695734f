#pragma once
// Helpers for the storage tests: serialized binlogs of each kind and a temporary directory that
// is removed with its object. Single-threaded use per object.

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/proto/binlog.pb.h"

namespace sluice::storage::testing {

inline std::string prewrite_bytes(int64_t start_ts, const std::string& value,
                                  const std::string& ddl_query = "", int64_t ddl_job_id = 0) {
  binlog::Binlog b;
  b.set_tp(binlog::Prewrite);
  b.set_start_ts(start_ts);
  b.set_prewrite_key("pk-" + std::to_string(start_ts));
  b.set_prewrite_value(value);
  if (!ddl_query.empty()) {
    b.set_ddl_query(ddl_query);
    b.set_ddl_job_id(ddl_job_id);
    b.set_ddl_schema_state(5);
    b.set_ddl_job_json("{\"id\":" + std::to_string(ddl_job_id) + "}");
  }
  return b.SerializeAsString();
}

inline std::string commit_bytes(int64_t start_ts, int64_t commit_ts) {
  binlog::Binlog b;
  b.set_tp(binlog::Commit);
  b.set_start_ts(start_ts);
  b.set_commit_ts(commit_ts);
  return b.SerializeAsString();
}

inline std::string rollback_bytes(int64_t start_ts) {
  binlog::Binlog b;
  b.set_tp(binlog::Rollback);
  b.set_start_ts(start_ts);
  b.set_commit_ts(0);
  return b.SerializeAsString();
}

inline std::string fake_bytes(int64_t ts) {
  binlog::Binlog b;
  b.set_tp(binlog::Rollback);
  b.set_start_ts(ts);
  b.set_commit_ts(ts);
  return b.SerializeAsString();
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-storage-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sluice::storage::testing
