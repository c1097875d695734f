#pragma once
// Reparo's configuration: the original reparo.toml keys (facts §8) plus Sluice's `skip-corrupt`.
// Parsing does no I/O beyond reading the file; every error names the key (file:line: key 'x').
// Value type; any thread.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/config/config_document.h"

namespace sluice::reparo {

// A [[replicate-do-table]] / [[replicate-ignore-table]] entry. A name starting with '~' is a
// case-insensitive regular expression; otherwise a case-insensitive exact name.
struct TableRule {
  std::string db_name;
  std::string tbl_name;
};

enum class DestType { kMysql, kPrint, kMemory };

struct DestDb {
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string user = "root";
  std::string password;
};

struct ReparoConfig {
  std::filesystem::path data_dir = "data.drainer";
  std::string log_level = "info";
  std::string log_file;
  // The original's command-line default is "print" (its sample toml says "mysql").
  DestType dest_type = DestType::kPrint;
  int txn_batch = 20;
  int worker_count = 16;
  bool safe_mode = false;
  // Sluice's addition: a corrupt record mid-file is logged and skipped instead of stopping.
  bool skip_corrupt = false;
  // Inclusive bounds on commit_ts; 0 = open. start-datetime/stop-datetime are converted here.
  int64_t start_tso = 0;
  int64_t stop_tso = 0;
  std::vector<std::string> replicate_do_db;
  std::vector<TableRule> replicate_do_table;
  std::vector<std::string> replicate_ignore_db;
  std::vector<TableRule> replicate_ignore_table;
  DestDb dest_db;
  // The parsed file, kept so that unknown keys can be reported once logging is set up.
  std::shared_ptr<config::ConfigDocument> document;
};

// Parses reparo.toml text. Datetimes ("2006-01-02 15:04:05") are read in the process's local
// time zone (TZ), as the original reads them with Go's time.Local. `source_name` names the file in
// messages.
Result<ReparoConfig> parse_reparo_config(std::string_view text, std::string source_name);
Result<ReparoConfig> load_reparo_config(const std::filesystem::path& path);

// Checks what flags may have changed after parsing (bounds, ranges, the dest-type name).
Status validate(const ReparoConfig& config);

// "mysql", "print", "memory"; an unknown name is an InvalidArgument naming `key`.
Result<DestType> parse_dest_type(std::string_view name, std::string_view key = "dest-type");
std::string_view dest_type_name(DestType type);

}  // namespace sluice::reparo
