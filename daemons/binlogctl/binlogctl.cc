#include "daemons/binlogctl/binlogctl.h"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <memory>

#include "core/checkpoint/checkpoint.h"
#include "core/common/atomic_file.h"
#include "core/config/encrypted_secret.h"
#include "core/net/host_port.h"
#include "core/registry/directory_registry.h"
#include "core/registry/etcd_registry.h"
#include "core/tso/embedded_tso.h"
#include "core/tso/pd_tso_client.h"

namespace sluice::binlogctl {

namespace {

using registry::NodeKind;
using registry::NodeStatus;

std::string_view kind_name(NodeKind kind) {
  return kind == NodeKind::kPump ? "pump" : "drainer";
}

Result<std::unique_ptr<registry::Registry>> open_registry(const Options& options) {
  if (!options.registry_dir.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto directory,
                            registry::DirectoryRegistry::open(options.registry_dir));
    return std::unique_ptr<registry::Registry>(std::move(directory));
  }
  auto etcd =
      registry::EtcdRegistry::open(options.pd_urls, std::chrono::milliseconds(options.timeout_ms));
  if (!etcd.is_ok()) return etcd.status().with_context("-pd-urls");
  return std::unique_ptr<registry::Registry>(std::move(etcd).value());
}

// The original's `-cmd encrypt -text`: prints the value for `encrypted_password`. The key comes
// only from BINLOG_SECRET_KEY (no built-in key); neither the text nor the key is ever logged.
Result<std::string> encrypt(const Options& options) {
  if (options.text.empty()) return Status::invalid_argument("-text is required (the secret)");
  SLUICE_ASSIGN_OR_RETURN(config::SecretKey key, config::SecretKey::from_environment());
  SLUICE_ASSIGN_OR_RETURN(std::string encrypted, config::encrypt_secret(options.text, key));
  return encrypted + "\n";
}

Result<std::string> list_nodes(const Options& options, NodeKind kind) {
  SLUICE_ASSIGN_OR_RETURN(auto registry, open_registry(options));
  SLUICE_ASSIGN_OR_RETURN(auto nodes, registry->list(kind));
  std::string out;
  for (const auto& node : nodes) {
    if (node.state == registry::kOffline && !options.show_offline_nodes) continue;
    out += registry::to_json(node);
    out += '\n';
  }
  return out;
}

Result<std::string> update_state(const Options& options, NodeKind kind) {
  if (options.node_id.empty()) return Status::invalid_argument("-node-id is required");
  if (!registry::is_valid_state(options.state)) {
    return Status::invalid_argument(fmt::format(
        "-state '{}': expected online, pausing, paused, closing or offline", options.state));
  }
  SLUICE_ASSIGN_OR_RETURN(auto registry, open_registry(options));
  if (auto* etcd = dynamic_cast<registry::EtcdRegistry*>(registry.get())) {
    // Guarded by the revision read, so a heartbeat landing in between is not silently undone:
    // the record is read again and the state set on what it now holds.
    for (int attempt = 1;; ++attempt) {
      SLUICE_ASSIGN_OR_RETURN(auto found, etcd->get_versioned(kind, options.node_id));
      if (!found) {
        return Status::not_found(
            fmt::format("{} {} is not registered", kind_name(kind), options.node_id));
      }
      found->status.state = options.state;
      auto updated = etcd->update(kind, found->status, found->mod_revision);
      if (updated.is_ok()) return registry::to_json(found->status) + "\n";
      if (updated.status().code() != StatusCode::kFailedPrecondition || attempt >= 5) {
        return updated.status();
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto found, registry->get(kind, options.node_id));
  if (!found) {
    return Status::not_found(
        fmt::format("{} {} is not registered", kind_name(kind), options.node_id));
  }
  found->state = options.state;
  SLUICE_RETURN_IF_ERROR(registry->put(kind, *found));
  return registry::to_json(*found) + "\n";
}

Result<std::string> apply_state(const Options& options, NodeKind kind, const std::string& action) {
  if (options.node_id.empty()) return Status::invalid_argument("-node-id is required");
  std::string address = options.http_addr;
  if (address.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto registry, open_registry(options));
    SLUICE_ASSIGN_OR_RETURN(auto found, registry->get(kind, options.node_id));
    if (!found) {
      return Status::not_found(
          fmt::format("{} {} is not registered", kind_name(kind), options.node_id));
    }
    address = net::status_address_beside(found->host);
    if (address.empty()) {
      return Status::invalid_argument(fmt::format("{} {}: registered host '{}' is not host:port",
                                                  kind_name(kind), options.node_id, found->host));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto host_port, net::split_host_port(address));
  const std::string path = fmt::format("/state/{}/{}", options.node_id, action);
  const std::string url = fmt::format("http://{}{}", address, path);
  httplib::Client client(host_port.first.empty() ? "127.0.0.1" : host_port.first, host_port.second);
  const auto timeout = std::chrono::milliseconds(options.timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  auto response = client.Put(path);
  if (!response) {
    return Status::unavailable(
        fmt::format("PUT {}: {}", url, httplib::to_string(response.error())));
  }
  if (response->status != 200) {
    return Status::failed_precondition(
        fmt::format("PUT {}: HTTP {}: {}", url, response->status, response->body));
  }
  return response->body.empty() || response->body.back() == '\n' ? response->body
                                                                 : response->body + "\n";
}

Result<std::string> generate_meta(const Options& options) {
  int64_t ts = 0;
  if (!options.registry_dir.empty()) {
    SLUICE_ASSIGN_OR_RETURN(
        auto tso, tso::EmbeddedTso::open(std::filesystem::path(options.registry_dir) / "tso"));
    SLUICE_ASSIGN_OR_RETURN(ts, tso->next());
  } else {
    tso::PdTsoClientOptions tso_options;
    auto endpoints = registry::parse_endpoint_urls(options.pd_urls);
    if (!endpoints.is_ok()) return endpoints.status().with_context("-pd-urls");
    tso_options.endpoints = std::move(endpoints).value();
    tso_options.request_timeout = std::chrono::milliseconds(options.timeout_ms);
    SLUICE_ASSIGN_OR_RETURN(auto client, tso::PdTsoClient::create(std::move(tso_options)));
    SLUICE_ASSIGN_OR_RETURN(ts, client->next());
  }
  checkpoint::Checkpoint checkpoint;
  checkpoint.commit_ts = ts;
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return Status::io_error(
        fmt::format("-data-dir {}: cannot create: {}", options.data_dir, error.message()));
  }
  const auto path = std::filesystem::path(options.data_dir) / "savepoint";
  SLUICE_RETURN_IF_ERROR(write_file_atomically(path, checkpoint::to_savepoint_toml(checkpoint)));
  return fmt::format("commitTS = {} written to {}\n", ts, path.string());
}

}  // namespace

Result<std::string> run(const Options& options) {
  const std::string& cmd = options.cmd;
  Result<std::string> result = Status::invalid_argument("");
  if (cmd == "pumps") {
    result = list_nodes(options, NodeKind::kPump);
  } else if (cmd == "drainers") {
    result = list_nodes(options, NodeKind::kDrainer);
  } else if (cmd == "update-pump") {
    result = update_state(options, NodeKind::kPump);
  } else if (cmd == "update-drainer") {
    result = update_state(options, NodeKind::kDrainer);
  } else if (cmd == "pause-pump") {
    result = apply_state(options, NodeKind::kPump, "pause");
  } else if (cmd == "pause-drainer") {
    result = apply_state(options, NodeKind::kDrainer, "pause");
  } else if (cmd == "offline-pump") {
    result = apply_state(options, NodeKind::kPump, "close");
  } else if (cmd == "offline-drainer") {
    result = apply_state(options, NodeKind::kDrainer, "close");
  } else if (cmd == "generate_meta") {
    result = generate_meta(options);
  } else if (cmd == "encrypt") {
    result = encrypt(options);
  } else {
    return Status::invalid_argument(fmt::format(
        "unknown -cmd '{}': expected pumps, drainers, update-pump, update-drainer, pause-pump, "
        "pause-drainer, offline-pump, offline-drainer, generate_meta or encrypt",
        cmd));
  }
  if (!result.is_ok()) return result.status().with_context(cmd);
  return result;
}

}  // namespace sluice::binlogctl
