// The etcd registry against a real etcd 3.4 (tests/support/etcd_server.h): registration,
// heartbeats guarded by ModRevision, watches, failover between endpoints, and an etcd that goes
// away and comes back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/registry/etcd_registry.h"
#include "tests/support/etcd_server.h"
#include "tests/support/free_port.h"

namespace sluice::registry {
namespace {

using sluice::testing::EtcdServer;

NodeStatus pump(const std::string& id, int64_t max_commit_ts = 0) {
  NodeStatus status;
  status.node_id = id;
  status.host = "127.0.0.1:8250";
  status.max_commit_ts = max_commit_ts;
  status.update_ts = 1000;
  return status;
}

std::unique_ptr<EtcdRegistry> open_registry(const std::string& urls) {
  auto registry = EtcdRegistry::open(urls, std::chrono::milliseconds(1000));
  EXPECT_TRUE(registry.is_ok()) << registry.status().to_string();
  return std::move(registry).value();
}

// Collects what a watch delivers, for a test thread to wait on.
struct Inbox {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<VersionedNodeStatus> seen;

  void add(const std::vector<VersionedNodeStatus>& nodes) {
    std::lock_guard guard(mutex);
    seen.insert(seen.end(), nodes.begin(), nodes.end());
    changed.notify_all();
  }
  // Waits until a record of `node_id` with max_commit_ts `ts` arrived; false after 20 s.
  bool wait_for(const std::string& node_id, int64_t ts) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(20), [&] {
      for (const auto& node : seen) {
        if (node.status.node_id == node_id && node.status.max_commit_ts == ts) return true;
      }
      return false;
    });
  }
};

TEST(EtcdRegistry, CreatesOnceListsAndStoresTheOriginalJson) {
  EtcdServer etcd;
  auto registry = open_registry(etcd.client_url());
  ASSERT_TRUE(registry->create(NodeKind::kPump, pump("pump-b")).is_ok());
  ASSERT_TRUE(registry->create(NodeKind::kPump, pump("pump-a")).is_ok());
  ASSERT_TRUE(registry->create(NodeKind::kDrainer, pump("drainer-1")).is_ok());

  const Status again = registry->create(NodeKind::kPump, pump("pump-a"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("/tidb-binlog/v1/pumps/pump-a"), std::string::npos)
      << again.message();

  auto pumps = registry->list(NodeKind::kPump);
  ASSERT_TRUE(pumps.is_ok()) << pumps.status().to_string();
  ASSERT_EQ(pumps->size(), 2u);
  EXPECT_EQ((*pumps)[0].node_id, "pump-a");
  EXPECT_EQ((*pumps)[1].node_id, "pump-b");
  auto drainers = registry->list(NodeKind::kDrainer);
  ASSERT_TRUE(drainers.is_ok());
  ASSERT_EQ(drainers->size(), 1u);

  // The raw value under the original's key, as the original's binlogctl would read it.
  auto raw = registry->client().range("/tidb-binlog/v1/pumps/pump-a");
  ASSERT_TRUE(raw.is_ok());
  ASSERT_EQ(raw->kvs_size(), 1);
  EXPECT_EQ(raw->kvs(0).value(),
            R"({"nodeId":"pump-a","host":"127.0.0.1:8250","state":"online","isAlive":true,)"
            R"("score":0,"label":null,"maxCommitTS":0,"updateTS":1000})");
  EXPECT_EQ(raw->kvs(0).lease(), 0);  // the original uses no lease

  auto missing = registry->get(NodeKind::kPump, "nobody");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_FALSE(registry->get(NodeKind::kPump, "a/b").is_ok());
}

TEST(EtcdRegistry, HeartbeatsUpdateWithModRevisionAndStaleOnesFail) {
  EtcdServer etcd;
  auto registry = open_registry(etcd.client_url());
  auto created = registry->create_versioned(NodeKind::kPump, pump("p1", 10));
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  auto read = registry->get_versioned(NodeKind::kPump, "p1");
  ASSERT_TRUE(read.is_ok() && read->has_value());
  EXPECT_EQ((*read)->mod_revision, *created);

  auto beat1 = registry->update(NodeKind::kPump, pump("p1", 20), *created);
  ASSERT_TRUE(beat1.is_ok()) << beat1.status().to_string();
  EXPECT_GT(*beat1, *created);
  auto beat2 = registry->update(NodeKind::kPump, pump("p1", 30), *beat1);
  ASSERT_TRUE(beat2.is_ok()) << beat2.status().to_string();

  // A writer still holding the first revision is refused, and told what happened.
  auto stale = registry->update(NodeKind::kPump, pump("p1", 99), *created);
  ASSERT_FALSE(stale.is_ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.status().message().find("stale"), std::string::npos);
  EXPECT_NE(stale.status().message().find(std::to_string(*beat2)), std::string::npos);
  EXPECT_NE(stale.status().message().find(std::to_string(*created)), std::string::npos);

  auto now = registry->get(NodeKind::kPump, "p1");
  ASSERT_TRUE(now.is_ok() && now->has_value());
  EXPECT_EQ((*now)->max_commit_ts, 30);

  auto absent = registry->update(NodeKind::kPump, pump("ghost"), 5);
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
}

TEST(EtcdRegistry, PutByAnotherClientWakesTheWatcher) {
  EtcdServer etcd;
  auto watching = open_registry(etcd.client_url());
  auto writer = open_registry(etcd.client_url());
  Inbox inbox;
  auto watcher = watching->watch(NodeKind::kPump, [&](const auto& nodes) { inbox.add(nodes); });
  ASSERT_TRUE(watcher->wait_until_established(std::chrono::seconds(20)));

  ASSERT_TRUE(writer->put(NodeKind::kDrainer, pump("d-ignored", 5)).is_ok());
  ASSERT_TRUE(writer->put(NodeKind::kPump, pump("p-new", 42)).is_ok());
  ASSERT_TRUE(inbox.wait_for("p-new", 42));
  std::lock_guard guard(inbox.mutex);
  for (const auto& node : inbox.seen)
    EXPECT_NE(node.status.node_id, "d-ignored");
}

TEST(EtcdRegistry, WatchFromARevisionMissesNothing) {
  EtcdServer etcd;
  auto registry = open_registry(etcd.client_url());
  auto created = registry->create_versioned(NodeKind::kPump, pump("p1", 1));
  ASSERT_TRUE(created.is_ok());
  // Changed after the caller's list, before its watch: still delivered.
  ASSERT_TRUE(registry->update(NodeKind::kPump, pump("p1", 2), *created).is_ok());
  Inbox inbox;
  auto watcher = registry->watch(
      NodeKind::kPump, [&](const auto& nodes) { inbox.add(nodes); }, *created);
  EXPECT_TRUE(inbox.wait_for("p1", 2));
}

TEST(EtcdRegistry, FailsOverToTheNextEndpoint) {
  EtcdServer etcd;
  const auto dead = sluice::testing::free_tcp_port();
  auto registry = open_registry(fmt::format("http://127.0.0.1:{},{}", dead, etcd.client_url()));
  ASSERT_TRUE(registry->put(NodeKind::kPump, pump("p1")).is_ok());
  auto listed = registry->list(NodeKind::kPump);
  ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(registry->client().current_endpoint(), 1u);  // stays on the one that answers
}

TEST(EtcdRegistry, UnreachableEtcdIsAClearErrorNamingTheEndpoints) {
  const auto dead1 = sluice::testing::free_tcp_port();
  const auto dead2 = sluice::testing::free_tcp_port();
  auto registry = open_registry(fmt::format("127.0.0.1:{},127.0.0.1:{}", dead1, dead2));
  auto listed = registry->list(NodeKind::kPump);
  ASSERT_FALSE(listed.is_ok());
  EXPECT_EQ(listed.status().code(), StatusCode::kUnavailable);
  const std::string& message = listed.status().message();
  EXPECT_NE(message.find(fmt::format("127.0.0.1:{}", dead1)), std::string::npos) << message;
  EXPECT_NE(message.find(fmt::format("127.0.0.1:{}", dead2)), std::string::npos) << message;
  EXPECT_NE(message.find("/tidb-binlog/v1/pumps/"), std::string::npos) << message;
}

TEST(EtcdRegistry, ResumesWhenEtcdComesBack) {
  EtcdServer etcd;
  auto registry = open_registry(etcd.client_url());
  auto writer = open_registry(etcd.client_url());
  ASSERT_TRUE(registry->create(NodeKind::kPump, pump("p1", 1)).is_ok());
  Inbox inbox;
  auto watcher = registry->watch(NodeKind::kPump, [&](const auto& nodes) { inbox.add(nodes); });
  ASSERT_TRUE(watcher->wait_until_established(std::chrono::seconds(20)));

  etcd.stop();
  const Status down = registry->put(NodeKind::kPump, pump("p1", 2));
  ASSERT_EQ(down.code(), StatusCode::kUnavailable) << down.to_string();
  EXPECT_NE(down.message().find(etcd.endpoint()), std::string::npos) << down.message();

  etcd.restart();
  // The caller's retry loop (a heartbeat): succeeds once the channel has reconnected.
  Status up = Status::unavailable("not tried");
  for (int attempt = 0; attempt < 50 && !up.is_ok(); ++attempt) {
    up = registry->put(NodeKind::kPump, pump("p1", 3));
  }
  ASSERT_TRUE(up.is_ok()) << up.to_string();
  auto read = registry->get(NodeKind::kPump, "p1");
  ASSERT_TRUE(read.is_ok() && read->has_value());
  EXPECT_EQ((*read)->max_commit_ts, 3);

  // The watcher reconnected by itself and sees a later change by another client.
  Status written = Status::unavailable("not tried");
  for (int attempt = 0; attempt < 50 && !written.is_ok(); ++attempt) {
    written = writer->put(NodeKind::kPump, pump("p2", 7));
  }
  ASSERT_TRUE(written.is_ok()) << written.to_string();
  EXPECT_TRUE(inbox.wait_for("p2", 7));
  EXPECT_TRUE(inbox.wait_for("p1", 3));
}

}  // namespace
}  // namespace sluice::registry
