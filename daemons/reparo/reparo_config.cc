#include "daemons/reparo/reparo_config.h"

#include <fmt/format.h>

#include <regex>

#include "core/tso/tso.h"

namespace sluice::reparo {
namespace {

Status read_rules(config::ConfigSection& root, std::string_view key, std::vector<TableRule>& out) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<config::ConfigSection> entries, root.sections(key));
  for (config::ConfigSection& entry : entries) {
    TableRule rule;
    SLUICE_RETURN_IF_ERROR(entry.read("db-name", rule.db_name));
    SLUICE_RETURN_IF_ERROR(entry.read("tbl-name", rule.tbl_name));
    if (rule.db_name.empty()) return entry.error("db-name", "is required");
    if (rule.tbl_name.empty()) return entry.error("tbl-name", "is required");
    out.push_back(std::move(rule));
  }
  return Status::ok();
}

// A '~' name must be a valid regular expression: refused here rather than at the first event.
Status check_patterns(config::ConfigSection& section, std::string_view key,
                      const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!name.starts_with('~')) continue;
    try {
      std::regex(name.substr(1), std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& error) {
      return section.error(
          key, fmt::format("'{}' is not a valid regular expression: {}", name, error.what()));
    }
  }
  return Status::ok();
}

Status read_datetime(config::ConfigSection& root, std::string_view datetime_key,
                     std::string_view tso_key, int64_t& tso_out) {
  std::string text;
  SLUICE_RETURN_IF_ERROR(root.read(datetime_key, text));
  if (text.empty()) return Status::ok();
  if (tso_out != 0) {
    return root.error(datetime_key,
                      fmt::format("set together with '{}' (use one of them)", tso_key));
  }
  auto parsed = tso::parse_datetime(text, /*utc=*/false);
  if (!parsed.is_ok()) return root.error(datetime_key, parsed.status().message());
  tso_out = *parsed;
  return Status::ok();
}

}  // namespace

Result<DestType> parse_dest_type(std::string_view name, std::string_view key) {
  if (name == "mysql") return DestType::kMysql;
  if (name == "print") return DestType::kPrint;
  if (name == "memory") return DestType::kMemory;
  return Status::invalid_argument(
      fmt::format("key '{}': unknown dest-type '{}' (mysql, print or memory)", key, name));
}

std::string_view dest_type_name(DestType type) {
  switch (type) {
    case DestType::kMysql:
      return "mysql";
    case DestType::kMemory:
      return "memory";
    default:
      return "print";
  }
}

namespace {

Result<ReparoConfig> parse_document(std::shared_ptr<config::ConfigDocument> document) {
  ReparoConfig config;
  config.document = document;
  config::ConfigSection root = document->root();

  std::string data_dir = config.data_dir.string();
  SLUICE_RETURN_IF_ERROR(root.read("data-dir", data_dir));
  if (data_dir.empty()) return root.error("data-dir", "must not be empty");
  config.data_dir = data_dir;
  SLUICE_RETURN_IF_ERROR(root.read("log-level", config.log_level));
  SLUICE_RETURN_IF_ERROR(root.read("log-file", config.log_file));

  std::string dest_type(dest_type_name(config.dest_type));
  SLUICE_RETURN_IF_ERROR(root.read("dest-type", dest_type));
  auto parsed_type = parse_dest_type(dest_type);
  if (!parsed_type.is_ok()) {
    return root.error("dest-type",
                      fmt::format("unknown dest-type '{}' (mysql, print or memory)", dest_type));
  }
  config.dest_type = *parsed_type;

  SLUICE_RETURN_IF_ERROR(root.read("txn-batch", config.txn_batch));
  if (config.txn_batch < 1) return root.error("txn-batch", "must be at least 1");
  SLUICE_RETURN_IF_ERROR(root.read("worker-count", config.worker_count));
  if (config.worker_count < 1 || config.worker_count > 1024) {
    return root.error("worker-count", "must be between 1 and 1024");
  }
  SLUICE_RETURN_IF_ERROR(root.read("safe-mode", config.safe_mode));
  SLUICE_RETURN_IF_ERROR(root.read("skip-corrupt", config.skip_corrupt));

  SLUICE_RETURN_IF_ERROR(root.read("start-tso", config.start_tso));
  if (config.start_tso < 0) return root.error("start-tso", "must not be negative");
  SLUICE_RETURN_IF_ERROR(root.read("stop-tso", config.stop_tso));
  if (config.stop_tso < 0) return root.error("stop-tso", "must not be negative");
  SLUICE_RETURN_IF_ERROR(read_datetime(root, "start-datetime", "start-tso", config.start_tso));
  SLUICE_RETURN_IF_ERROR(read_datetime(root, "stop-datetime", "stop-tso", config.stop_tso));
  if (config.stop_tso != 0 && config.stop_tso < config.start_tso) {
    return root.error(
        root.has("stop-datetime") ? "stop-datetime" : "stop-tso",
        fmt::format("stop ({}) is before start ({})", config.stop_tso, config.start_tso));
  }

  SLUICE_RETURN_IF_ERROR(root.read("replicate-do-db", config.replicate_do_db));
  SLUICE_RETURN_IF_ERROR(check_patterns(root, "replicate-do-db", config.replicate_do_db));
  SLUICE_RETURN_IF_ERROR(root.read("replicate-ignore-db", config.replicate_ignore_db));
  SLUICE_RETURN_IF_ERROR(check_patterns(root, "replicate-ignore-db", config.replicate_ignore_db));
  SLUICE_RETURN_IF_ERROR(read_rules(root, "replicate-do-table", config.replicate_do_table));
  SLUICE_RETURN_IF_ERROR(read_rules(root, "replicate-ignore-table", config.replicate_ignore_table));

  SLUICE_ASSIGN_OR_RETURN(config::ConfigSection dest, root.section("dest-db"));
  SLUICE_RETURN_IF_ERROR(dest.read("host", config.dest_db.host));
  int port = config.dest_db.port;
  SLUICE_RETURN_IF_ERROR(dest.read("port", port));
  if (port < 1 || port > 65535) return dest.error("port", "must be between 1 and 65535");
  config.dest_db.port = static_cast<uint16_t>(port);
  SLUICE_RETURN_IF_ERROR(dest.read("user", config.dest_db.user));
  SLUICE_RETURN_IF_ERROR(dest.read("password", config.dest_db.password));
  return config;
}

}  // namespace

Result<ReparoConfig> parse_reparo_config(std::string_view text, std::string source_name) {
  SLUICE_ASSIGN_OR_RETURN(auto document,
                          config::ConfigDocument::parse_string(text, std::move(source_name)));
  return parse_document(std::move(document));
}

Result<ReparoConfig> load_reparo_config(const std::filesystem::path& path) {
  SLUICE_ASSIGN_OR_RETURN(auto document, config::ConfigDocument::load_file(path));
  return parse_document(std::move(document));
}

Status validate(const ReparoConfig& config) {
  if (config.data_dir.empty()) return Status::invalid_argument("data-dir: must not be empty");
  if (config.txn_batch < 1) return Status::invalid_argument("txn-batch: must be at least 1");
  if (config.worker_count < 1 || config.worker_count > 1024) {
    return Status::invalid_argument("worker-count: must be between 1 and 1024");
  }
  if (config.start_tso < 0) return Status::invalid_argument("start-tso: must not be negative");
  if (config.stop_tso < 0) return Status::invalid_argument("stop-tso: must not be negative");
  if (config.stop_tso != 0 && config.stop_tso < config.start_tso) {
    return Status::invalid_argument(
        fmt::format("stop-tso: {} is before start-tso {}", config.stop_tso, config.start_tso));
  }
  return Status::ok();
}

}  // namespace sluice::reparo
