// Cluster-mode choices (node_backend.h) and a node's own record in etcd (node_record.h): the
// defaults the original implies, the errors naming what is missing, the guarded writes that
// report a change made by someone else instead of overwriting it.
#include "core/registry/node_backend.h"

#include <gtest/gtest.h>

#include "core/registry/node_record.h"
#include "core/tso/tso_server.h"
#include "tests/support/etcd_server.h"
#include "tests/support/temp_dir.h"

namespace sluice::registry {
namespace {

TEST(ResolveClusterMode, DefaultsFollowPdUrls) {
  auto embedded = resolve_cluster_mode({});
  ASSERT_TRUE(embedded.is_ok());
  EXPECT_EQ(embedded->registry, RegistryMode::kEmbedded);
  EXPECT_EQ(embedded->tso, tso::TsoMode::kEmbedded);

  auto cluster = resolve_cluster_mode({.pd_urls = "http://pd:2379"});
  ASSERT_TRUE(cluster.is_ok());
  EXPECT_EQ(cluster->registry, RegistryMode::kEtcd);
  EXPECT_EQ(cluster->tso, tso::TsoMode::kPd);

  auto forced = resolve_cluster_mode({.registry = "embedded", .pd_urls = "http://pd:2379"});
  ASSERT_TRUE(forced.is_ok());
  EXPECT_EQ(forced->registry, RegistryMode::kEmbedded);
  EXPECT_EQ(forced->tso, tso::TsoMode::kEmbedded);

  auto sluice_tso = resolve_cluster_mode(
      {.registry = "etcd", .tso = "sluice", .pd_urls = "http://e:2379", .tso_urls = "t:2390"});
  ASSERT_TRUE(sluice_tso.is_ok());
  EXPECT_EQ(sluice_tso->tso, tso::TsoMode::kSluice);
}

TEST(ResolveClusterMode, RefusesWhatCannotWork) {
  auto etcd = resolve_cluster_mode({.registry = "etcd"});
  ASSERT_FALSE(etcd.is_ok());
  EXPECT_NE(etcd.status().message().find("needs pd-urls"), std::string::npos);
  auto pd = resolve_cluster_mode({.tso = "pd"});
  ASSERT_FALSE(pd.is_ok());
  EXPECT_NE(pd.status().message().find("tso = \"pd\" needs pd-urls"), std::string::npos);
  auto sluice = resolve_cluster_mode({.tso = "sluice"});
  ASSERT_FALSE(sluice.is_ok());
  EXPECT_NE(sluice.status().message().find("tso-urls"), std::string::npos);
  auto unknown = resolve_cluster_mode({.registry = "consul"});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("'consul'"), std::string::npos);
  auto bad_tso = resolve_cluster_mode({.tso = "ntp"});
  ASSERT_FALSE(bad_tso.is_ok());
  EXPECT_NE(bad_tso.status().message().find("'ntp'"), std::string::npos);
}

NodeStatus pump(const std::string& state, int64_t update_ts) {
  NodeStatus status;
  status.node_id = "p1";
  status.host = "127.0.0.1:8250";
  status.state = state;
  status.update_ts = update_ts;
  return status;
}

TEST(NodeRecordInEtcd, ReportsAChangeBySomeoneElseInsteadOfOverwritingIt) {
  testing::EtcdServer etcd;
  auto registry = EtcdRegistry::open(etcd.client_url()).value();
  NodeRecord record(*registry, NodeKind::kPump);
  auto first = record.register_node(pump("online", 1));
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_FALSE(first->has_value());  // new node
  auto beat = record.write(pump("online", 2));
  ASSERT_TRUE(beat.is_ok() && !beat->has_value());
  EXPECT_EQ(registry->get(NodeKind::kPump, "p1").value()->update_ts, 2);

  // binlogctl update-pump between two heartbeats.
  NodeStatus changed = pump("paused", 2);
  ASSERT_TRUE(registry->put(NodeKind::kPump, changed).is_ok());
  auto stale = record.write(pump("online", 3));
  ASSERT_TRUE(stale.is_ok()) << stale.status().to_string();
  ASSERT_TRUE(stale->has_value());
  EXPECT_EQ((*stale)->state, "paused");
  EXPECT_EQ(registry->get(NodeKind::kPump, "p1").value()->state, "paused");  // not overwritten
  // The caller has seen it: the next write goes through.
  auto after = record.write(pump("pausing", 4));
  ASSERT_TRUE(after.is_ok() && !after->has_value());
  EXPECT_EQ(registry->get(NodeKind::kPump, "p1").value()->state, "pausing");

  ASSERT_TRUE(registry->put(NodeKind::kPump, pump("online", 4)).is_ok());
  ASSERT_TRUE(record.force_write(pump("paused", 5)).is_ok());
  EXPECT_EQ(registry->get(NodeKind::kPump, "p1").value()->state, "paused");

  // A second registration (a restart) returns the previous record and takes it over.
  NodeRecord restarted(*registry, NodeKind::kPump);
  auto previous = restarted.register_node(pump("online", 6));
  ASSERT_TRUE(previous.is_ok() && previous->has_value());
  EXPECT_EQ((*previous)->state, "paused");
  EXPECT_EQ(registry->get(NodeKind::kPump, "p1").value()->state, "online");
}

TEST(NodeRecordInEtcd, AnUnreachableEtcdNamesTheEndpoint) {
  auto registry = EtcdRegistry::open("http://127.0.0.1:1", std::chrono::milliseconds(300)).value();
  NodeRecord record(*registry, NodeKind::kDrainer);
  auto registered = record.register_node(pump("online", 1));
  ASSERT_FALSE(registered.is_ok());
  EXPECT_NE(registered.status().message().find("127.0.0.1:1"), std::string::npos)
      << registered.status().message();
}

TEST(OpenNodeBackend, TakesTheClusterIdFromTheSluiceTsoService) {
  testing::EtcdServer etcd;
  auto server = tso::TsoServer::start({.etcd_urls = etcd.client_url()});
  ASSERT_TRUE(server.is_ok()) << server.status().to_string();
  testing::TempDir dir;
  NodeBackendOptions options;
  options.role = "pump";
  options.data_dir = dir.file("data");
  options.registry_dir = dir.file("registry");
  options.node_id = "p9";
  options.advertise_addr = "127.0.0.1:8250";
  options.cluster = {.registry = "etcd",
                     .tso = "sluice",
                     .pd_urls = etcd.client_url(),
                     .tso_urls = (*server)->address()};
  auto backend = open_node_backend(options);
  ASSERT_TRUE(backend.is_ok()) << backend.status().to_string();
  EXPECT_EQ(backend->cluster_id, (*server)->cluster_id());
  EXPECT_NE(backend->cluster_id, 0u);
  EXPECT_NE(backend->etcd, nullptr);
  EXPECT_EQ(backend->node_id, "p9");
  EXPECT_NE(backend->describe().find("etcd registry at " + etcd.endpoint()), std::string::npos)
      << backend->describe();
  auto first = backend->tso->next();
  auto second = backend->tso->next();
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_LT(*first, *second);
  auto resolved = resolve_cluster_id(options);
  ASSERT_TRUE(resolved.is_ok()) << resolved.status().to_string();
  EXPECT_EQ(*resolved, (*server)->cluster_id());
  // The data dir is locked while the backend lives.
  auto second_backend = open_node_backend(options);
  ASSERT_FALSE(second_backend.is_ok());
  EXPECT_NE(second_backend.status().message().find("in use by another pump"), std::string::npos);
}

}  // namespace
}  // namespace sluice::registry
