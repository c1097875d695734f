#include "core/drainer/relay_log_reader.h"

#include <fmt/format.h>

#include <string>

#include "core/drainer/relay_record_decoder.h"
#include "plugins/file/binlog_file_format.h"
#include "plugins/file/binlog_file_reader.h"

namespace sluice::drainer {

Result<RelayReadSummary> read_relay_log(
    const std::filesystem::path& dir, int64_t after_ts,
    const std::function<Status(std::string_view record, int64_t commit_ts)>& visit,
    const std::function<void(std::string_view warning)>& warn) {
  RelayReadSummary summary;
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) return summary;
  SLUICE_ASSIGN_OR_RETURN(auto files, file::list_binlog_files(dir));
  std::string record;
  for (size_t i = 0; i < files.size(); ++i) {
    const bool newest = i + 1 == files.size();
    SLUICE_ASSIGN_OR_RETURN(auto reader, file::BinlogFileReader::open(files[i].path));
    ++summary.files;
    while (true) {
      const uint64_t at = reader.offset();
      auto has_record = reader.next(record);
      if (!has_record.is_ok()) {
        if (has_record.status().code() == StatusCode::kCorruption && reader.torn_tail() && newest) {
          if (warn) {
            warn(
                fmt::format("{}: the last record (at offset {}) is torn, cut short by a crash; "
                            "it was never sent to a sink and is ignored",
                            files[i].path.string(), reader.offset()));
          }
          summary.torn_tail = true;
          break;
        }
        return has_record.status();
      }
      if (!has_record.value()) break;
      auto commit_ts = RelayRecordDecoder::commit_ts_of(record);
      if (!commit_ts.is_ok()) {
        return Status::corruption(fmt::format("{} at offset {}: {}", files[i].path.string(), at,
                                              commit_ts.status().message()));
      }
      if (commit_ts.value() <= after_ts) {
        ++summary.skipped;
        continue;
      }
      SLUICE_RETURN_IF_ERROR(visit(record, commit_ts.value()));
      ++summary.records;
      summary.last_commit_ts = commit_ts.value();
    }
  }
  return summary;
}

}  // namespace sluice::drainer
