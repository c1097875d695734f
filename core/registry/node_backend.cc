#include "core/registry/node_backend.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/registry/directory_registry.h"
#include "core/registry/node_identity.h"
#include "core/tso/pd_tso_client.h"

namespace sluice::registry {

std::string_view registry_mode_name(RegistryMode mode) {
  return mode == RegistryMode::kEtcd ? "etcd" : "embedded";
}

Result<ClusterMode> resolve_cluster_mode(const ClusterSettings& settings) {
  ClusterMode mode;
  if (settings.registry.empty()) {
    mode.registry = settings.pd_urls.empty() ? RegistryMode::kEmbedded : RegistryMode::kEtcd;
  } else if (settings.registry == "embedded") {
    mode.registry = RegistryMode::kEmbedded;
  } else if (settings.registry == "etcd") {
    mode.registry = RegistryMode::kEtcd;
  } else {
    return Status::invalid_argument(
        fmt::format("registry = '{}': expected \"embedded\" or \"etcd\"", settings.registry));
  }
  if (mode.registry == RegistryMode::kEtcd && settings.pd_urls.empty()) {
    return Status::invalid_argument(
        "registry = \"etcd\" needs pd-urls (the etcd or PD endpoints, e.g. "
        "\"http://127.0.0.1:2379\")");
  }
  if (settings.tso.empty()) {
    mode.tso = mode.registry == RegistryMode::kEtcd ? tso::TsoMode::kPd : tso::TsoMode::kEmbedded;
  } else {
    SLUICE_ASSIGN_OR_RETURN(mode.tso, tso::parse_tso_mode(settings.tso));
  }
  if (mode.tso == tso::TsoMode::kPd && settings.pd_urls.empty()) {
    return Status::invalid_argument("tso = \"pd\" needs pd-urls (PD's endpoints)");
  }
  if (mode.tso == tso::TsoMode::kSluice && settings.tso_urls.empty()) {
    return Status::invalid_argument(
        "tso = \"sluice\" needs tso-urls (the Sluice TSO servers' gRPC addresses)");
  }
  return mode;
}

std::string NodeBackend::describe() const {
  std::string registry_text =
      mode.registry == RegistryMode::kEtcd && etcd != nullptr
          ? fmt::format("etcd registry at {}", fmt::join(etcd->client().endpoints(), ","))
          : std::string("embedded registry");
  return fmt::format("{}, {} TSO", registry_text, tso::tso_mode_name(mode.tso));
}

namespace {

Result<uint64_t> cluster_id_of(const NodeBackendOptions& options, tso::TsoMode mode,
                               tso::TsoSource* source) {
  if (options.cluster_id != 0) return options.cluster_id;
  if (auto* pd = dynamic_cast<tso::PdTsoClient*>(source)) {
    auto id = pd->cluster_id();
    if (!id.is_ok()) {
      return id.status().with_context(fmt::format(
          "cluster id from the {} TSO's GetMembers (or set cluster-id)", tso::tso_mode_name(mode)));
    }
    return *id;
  }
  auto id = load_or_create_cluster_id(options.registry_dir);
  if (!id.is_ok()) return id.status().with_context("cluster id");
  return *id;
}

}  // namespace

Result<uint64_t> resolve_cluster_id(const NodeBackendOptions& options) {
  if (options.cluster_id != 0) return options.cluster_id;
  SLUICE_ASSIGN_OR_RETURN(ClusterMode mode, resolve_cluster_mode(options.cluster));
  if (mode.tso == tso::TsoMode::kEmbedded) return cluster_id_of(options, mode.tso, nullptr);
  SLUICE_ASSIGN_OR_RETURN(auto client, tso::PdTsoClient::create(mode.tso == tso::TsoMode::kPd
                                                                    ? options.cluster.pd_urls
                                                                    : options.cluster.tso_urls));
  return cluster_id_of(options, mode.tso, client.get());
}

Result<NodeBackend> open_node_backend(const NodeBackendOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(ClusterMode mode, resolve_cluster_mode(options.cluster));
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return Status::io_error(
        fmt::format("cannot create data dir {}: {}", options.data_dir.string(), error.message()));
  }
  auto lock = FileLock::try_acquire(options.data_dir / ".lock");
  if (!lock.is_ok()) {
    return Status::unavailable(fmt::format("data dir {} is in use by another {} ({})",
                                           options.data_dir.string(), options.role,
                                           lock.status().message()));
  }
  NodeBackend backend{std::move(lock).value(), mode, nullptr, nullptr, nullptr, 0, ""};

  if (mode.registry == RegistryMode::kEtcd) {
    auto etcd = EtcdRegistry::open(options.cluster.pd_urls);
    if (!etcd.is_ok()) return etcd.status().with_context("pd-urls");
    backend.etcd = etcd->get();
    backend.registry = std::move(etcd).value();
  } else {
    SLUICE_ASSIGN_OR_RETURN(auto directory, DirectoryRegistry::open(options.registry_dir));
    backend.registry = std::move(directory);
  }

  tso::TsoChoice choice;
  choice.mode = mode.tso;
  choice.embedded_path = options.registry_dir / "tso";
  choice.pd_urls = options.cluster.pd_urls;
  choice.tso_urls = options.cluster.tso_urls;
  if (mode.tso == tso::TsoMode::kEmbedded) {
    std::filesystem::create_directories(options.registry_dir, error);
    if (error) {
      return Status::io_error(fmt::format("cannot create registry dir {}: {}",
                                          options.registry_dir.string(), error.message()));
    }
  }
  auto source = tso::open_tso_source(choice);
  if (!source.is_ok()) {
    return source.status().with_context(fmt::format("{} TSO", tso::tso_mode_name(mode.tso)));
  }
  backend.tso = std::move(source).value();

  SLUICE_ASSIGN_OR_RETURN(backend.cluster_id, cluster_id_of(options, mode.tso, backend.tso.get()));
  auto node_id = load_or_create_node_id(options.data_dir, options.node_id, options.advertise_addr);
  if (!node_id.is_ok()) return node_id.status().with_context("node id");
  backend.node_id = std::move(node_id).value();
  return backend;
}

}  // namespace sluice::registry
