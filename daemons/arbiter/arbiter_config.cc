#include "daemons/arbiter/arbiter_config.h"

#include <fmt/format.h>

#include "core/config/secret_setting.h"
#include "core/net/host_port.h"

namespace sluice::arbiter {
namespace {

Status read_up(config::ConfigSection& up, UpConfig& out) {
  SLUICE_RETURN_IF_ERROR(up.read("kafka-addrs", out.kafka_addrs));
  if (out.kafka_addrs.empty()) return up.error("kafka-addrs", "must not be empty");
  SLUICE_RETURN_IF_ERROR(up.read("kafka-version", out.kafka_version));
  SLUICE_RETURN_IF_ERROR(up.read("topic", out.topic));
  SLUICE_RETURN_IF_ERROR(up.read("initial-commit-ts", out.initial_commit_ts));
  if (out.initial_commit_ts < 0) return up.error("initial-commit-ts", "must not be negative");
  SLUICE_RETURN_IF_ERROR(up.read("skip-invalid-message", out.skip_invalid_message));
  return Status::ok();
}

Status read_down(config::ConfigSection& down, DownConfig& out) {
  SLUICE_RETURN_IF_ERROR(down.read("host", out.host));
  int port = out.port;
  SLUICE_RETURN_IF_ERROR(down.read("port", port));
  if (port < 1 || port > 65535) return down.error("port", "must be between 1 and 65535");
  out.port = static_cast<uint16_t>(port);
  SLUICE_RETURN_IF_ERROR(down.read("user", out.user));
  std::string password;
  std::string encrypted;
  SLUICE_RETURN_IF_ERROR(down.read("password", password));
  SLUICE_RETURN_IF_ERROR(down.read("encrypted_password", encrypted));
  if (!password.empty() && !encrypted.empty()) {
    return down.error("encrypted_password", "set together with 'password' (use one of them)");
  }
  auto resolved = encrypted.empty() ? config::resolve_secret_text(password)
                                    : config::decrypt_with_environment_key(encrypted);
  if (!resolved.is_ok()) {
    return down.error(encrypted.empty() ? "password" : "encrypted_password",
                      resolved.status().message());
  }
  out.password = std::move(resolved).value();
  SLUICE_RETURN_IF_ERROR(down.read("worker-count", out.worker_count));
  if (out.worker_count < 1 || out.worker_count > 1024) {
    return down.error("worker-count", "must be between 1 and 1024");
  }
  SLUICE_RETURN_IF_ERROR(down.read("batch-size", out.batch_size));
  if (out.batch_size < 1) return down.error("batch-size", "must be at least 1");
  SLUICE_RETURN_IF_ERROR(down.read("safe-mode", out.safe_mode));
  return Status::ok();
}

Result<ArbiterConfig> parse_document(std::shared_ptr<config::ConfigDocument> document) {
  ArbiterConfig config;
  config.document = document;
  config::ConfigSection root = document->root();
  SLUICE_RETURN_IF_ERROR(root.read("addr", config.addr));
  SLUICE_RETURN_IF_ERROR(root.read("log-level", config.log_level));
  SLUICE_RETURN_IF_ERROR(root.read("log-file", config.log_file));
  SLUICE_ASSIGN_OR_RETURN(config::ConfigSection up, root.section("up"));
  SLUICE_RETURN_IF_ERROR(read_up(up, config.up));
  SLUICE_ASSIGN_OR_RETURN(config::ConfigSection down, root.section("down"));
  SLUICE_RETURN_IF_ERROR(read_down(down, config.down));
  if (auto parsed = net::split_host_port(config.addr); !parsed.is_ok()) {
    return root.error("addr", parsed.status().message());
  }
  return config;
}

}  // namespace

Result<ArbiterConfig> parse_arbiter_config(std::string_view text, std::string source_name) {
  SLUICE_ASSIGN_OR_RETURN(auto document,
                          config::ConfigDocument::parse_string(text, std::move(source_name)));
  return parse_document(std::move(document));
}

Result<ArbiterConfig> load_arbiter_config(const std::filesystem::path& path) {
  SLUICE_ASSIGN_OR_RETURN(auto document, config::ConfigDocument::load_file(path));
  return parse_document(std::move(document));
}

Status validate(const ArbiterConfig& config) {
  if (config.up.topic.empty()) {
    return Status::invalid_argument(
        "up.topic: is required (the Kafka sink's topic, \"<cluster-id>_obinlog\" by default)");
  }
  if (config.up.kafka_addrs.empty()) {
    return Status::invalid_argument("up.kafka-addrs: must not be empty");
  }
  if (config.up.initial_commit_ts < 0) {
    return Status::invalid_argument("up.initial-commit-ts: must not be negative");
  }
  if (config.down.worker_count < 1 || config.down.worker_count > 1024) {
    return Status::invalid_argument("down.worker-count: must be between 1 and 1024");
  }
  if (config.down.batch_size < 1) {
    return Status::invalid_argument("down.batch-size: must be at least 1");
  }
  if (auto parsed = net::split_host_port(config.addr); !parsed.is_ok()) {
    return Status::invalid_argument(fmt::format("addr: {}", parsed.status().message()));
  }
  return Status::ok();
}

}  // namespace sluice::arbiter
