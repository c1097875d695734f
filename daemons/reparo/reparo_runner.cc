#include "daemons/reparo/reparo_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemons/reparo/binlog_directory_reader.h"

namespace sluice::reparo {

Result<ReparoSummary> run_reparo(const ReparoConfig& config, const ReparoFilter& filter,
                                 ReparoApplier& applier) {
  SLUICE_ASSIGN_OR_RETURN(BinlogDirectoryReader reader,
                          BinlogDirectoryReader::open(config.data_dir, config.skip_corrupt));
  spdlog::info("reparo: {} binlog file(s) in {}, commit_ts from {} to {}", reader.file_count(),
               config.data_dir.string(), config.start_tso,
               config.stop_tso == 0 ? std::string("the end") : std::to_string(config.stop_tso));
  ReparoSummary summary;
  BinlogRecord record;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool more, reader.next(record));
    if (!more) break;
    ++summary.records;
    auto decoded = decode_pb_binlog(record.payload);
    if (!decoded.is_ok()) {
      const std::string where = fmt::format("'{}' offset {}: {}", record.file.string(),
                                            record.offset, decoded.status().message());
      if (!config.skip_corrupt) return Status(decoded.status().code(), where);
      spdlog::warn("skip-corrupt: {}; skipping the record", where);
      ++summary.skipped_corrupt;
      continue;
    }
    DecodedBinlog& binlog = *decoded;
    if (config.stop_tso != 0 && binlog.commit_ts > config.stop_tso) {
      spdlog::info("reparo: commit_ts {} is past stop-tso {}, stopping", binlog.commit_ts,
                   config.stop_tso);
      break;
    }
    if (binlog.commit_ts < config.start_tso) continue;
    if (binlog.is_ddl) {
      if (!filter.allows(binlog.ddl_schema, binlog.ddl_table)) continue;
      SLUICE_RETURN_IF_ERROR(applier.apply(binlog));
      ++summary.binlogs_applied;
      ++summary.events_applied;
      continue;
    }
    std::erase_if(binlog.events, [&](const DecodedEvent& event) {
      return !filter.allows(event.schema, event.table);
    });
    if (binlog.events.empty()) continue;
    SLUICE_RETURN_IF_ERROR(applier.apply(binlog));
    ++summary.binlogs_applied;
    summary.events_applied += binlog.events.size();
  }
  SLUICE_RETURN_IF_ERROR(applier.finish());
  summary.skipped_corrupt += reader.skipped_records();
  summary.torn_tail = reader.stopped_at_torn_tail();
  return summary;
}

}  // namespace sluice::reparo
