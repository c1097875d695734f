// Sluice's TSO service against a real etcd 3.4: leader election through a lease, the persisted
// allocation window, failover between two servers with the leader killed and restarted, and etcd
// going away. Clients are PdTsoClient, talking pdpb.PD/Tso as to PD.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/registry/etcd_client.h"
#include "core/tso/pd_tso_client.h"
#include "core/tso/tso.h"
#include "core/tso/tso_server.h"
#include "tests/support/etcd_server.h"
#include "tests/support/free_port.h"

namespace sluice::tso {
namespace {

using sluice::testing::EtcdServer;

int64_t real_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<TsoServer> start_server(const EtcdServer& etcd, std::function<int64_t()> clock,
                                        std::string listen = "127.0.0.1:0") {
  TsoServerOptions options;
  options.etcd_urls = etcd.client_url();
  options.listen_addr = std::move(listen);
  options.lease_ttl_seconds = 2;
  options.etcd_timeout = std::chrono::milliseconds(1000);
  options.now_ms = std::move(clock);
  auto server = TsoServer::start(std::move(options));
  if (!server.is_ok()) ADD_FAILURE() << server.status().to_string();
  return server.is_ok() ? std::move(server).value() : nullptr;
}

// Waits (bounded) until `server` leads.
bool becomes_leader(const TsoServer& server) {
  for (int i = 0; i < 200; ++i) {
    if (server.is_leader()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::unique_ptr<PdTsoClient> client_of(const std::vector<std::string>& addresses) {
  PdTsoClientOptions options;
  options.endpoints = addresses;
  options.request_timeout = std::chrono::milliseconds(1000);
  options.retry_pause = std::chrono::milliseconds(100);
  return std::move(PdTsoClient::create(options)).value();
}

// next() until it answers (a failover in progress), bounded.
int64_t next_after_failover(PdTsoClient& client) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto ts = client.next();
    if (ts.is_ok()) return *ts;
  }
  ADD_FAILURE() << "no timestamp after 200 attempts";
  return 0;
}

// `count` timestamps, each greater than the one before, starting above `last`; returns the last.
int64_t issue_increasing(PdTsoClient& client, int count, int64_t last) {
  for (int i = 0; i < count; ++i) {
    auto ts = client.next();
    EXPECT_TRUE(ts.is_ok()) << ts.status().to_string();
    if (!ts.is_ok()) return last;
    EXPECT_GT(*ts, last);
    last = *ts;
  }
  return last;
}

int64_t persisted_bound(const EtcdServer& etcd) {
  auto client = registry::EtcdClient::create(etcd.client_url()).value();
  auto range = client->range("/sluice/tso/timestamp");
  EXPECT_TRUE(range.is_ok()) << range.status().to_string();
  if (!range.is_ok() || range->kvs_size() == 0) return -1;
  return std::stoll(range->kvs(0).value());
}

TEST(TsoServer, LeaderIssuesPhysicalShiftedPlusLogicalAndPersistsTheWindow) {
  EtcdServer etcd;
  std::atomic<int64_t> clock{1'000'000};
  auto server = start_server(etcd, [&] { return clock.load(); });
  ASSERT_TRUE(server);
  ASSERT_TRUE(becomes_leader(*server));
  EXPECT_EQ(persisted_bound(etcd), 1'003'000);  // now + the 3 s window, saved before issuing

  auto client = client_of({server->address()});
  // 1'000'000 << 18 = 262'144'000'000; logical counts from 1.
  EXPECT_EQ(*client->next(), 262'144'000'001);
  EXPECT_EQ(*client->next(), 262'144'000'002);
  auto cluster = client->cluster_id();
  ASSERT_TRUE(cluster.is_ok());
  EXPECT_EQ(*cluster, server->cluster_id());

  // A batch that does not fit the millisecond's logical space moves to the next millisecond;
  // the answer is the batch's last timestamp.
  auto batch = server->allocate(262'143);
  ASSERT_TRUE(batch.is_ok());
  EXPECT_EQ(*batch, compose(1'000'001, 262'143));

  // Reaching the persisted bound extends it before anything at or past it is issued.
  clock = 1'003'000;
  EXPECT_EQ(*client->next(), compose(1'003'000, 1));
  EXPECT_EQ(persisted_bound(etcd), 1'006'000);
}

TEST(TsoServer, StrictlyIncreasingAcrossKillAndRestartOfTheLeader) {
  EtcdServer etcd;
  // B's clock runs a minute behind: only the persisted window keeps its timestamps above A's.
  auto a = start_server(etcd, real_now_ms);
  ASSERT_TRUE(a);
  ASSERT_TRUE(becomes_leader(*a));
  auto b = start_server(etcd, [] { return real_now_ms() - 60'000; });
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->is_leader());
  const std::string a_address = a->address();
  auto client = client_of({a_address, b->address()});

  int64_t last = issue_increasing(*client, 300, 0);
  ASSERT_FALSE(::testing::Test::HasFailure());

  a->stop(/*resign=*/false);  // as kill -9: the lease runs out on its own
  a.reset();
  const int64_t bound = persisted_bound(etcd);
  ASSERT_GT(bound, physical_ms(last));
  const int64_t first_after = next_after_failover(*client);
  EXPECT_TRUE(b->is_leader());
  // B starts just above A's persisted window, whatever its own clock says.
  EXPECT_EQ(first_after, compose(bound + 1, 1));
  EXPECT_GT(first_after, last);
  last = issue_increasing(*client, 300, first_after);
  ASSERT_FALSE(::testing::Test::HasFailure());

  // A comes back on its old address as a follower; then B dies and A takes over again.
  a = start_server(etcd, real_now_ms, a_address);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_leader());
  last = issue_increasing(*client, 50, last);
  ASSERT_FALSE(::testing::Test::HasFailure());
  b->stop(/*resign=*/false);
  b.reset();
  const int64_t bound_b = persisted_bound(etcd);
  const int64_t again = next_after_failover(*client);
  EXPECT_TRUE(a->is_leader());
  EXPECT_GE(again, compose(bound_b + 1, 1));
  EXPECT_GT(again, last);
  last = issue_increasing(*client, 300, again);
  ASSERT_FALSE(::testing::Test::HasFailure());
}

TEST(TsoServer, ResignHandsOverWithoutWaitingForTheLease) {
  EtcdServer etcd;
  auto a = start_server(etcd, real_now_ms);
  ASSERT_TRUE(a);
  ASSERT_TRUE(becomes_leader(*a));
  auto b = start_server(etcd, real_now_ms);
  ASSERT_TRUE(b);
  auto client = client_of({a->address(), b->address()});
  const int64_t before = *client->next();
  a->stop(/*resign=*/true);
  ASSERT_TRUE(becomes_leader(*b));
  EXPECT_GT(next_after_failover(*client), before);
  // The stopped server refuses, naming itself.
  auto refused = a->allocate(1);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("not the leader"), std::string::npos);
}

TEST(TsoServer, StartWithoutEtcdNamesTheEndpoint) {
  const auto dead = sluice::testing::free_tcp_port();
  TsoServerOptions options;
  options.etcd_urls = fmt::format("http://127.0.0.1:{}", dead);
  options.etcd_timeout = std::chrono::milliseconds(500);
  auto server = TsoServer::start(options);
  ASSERT_FALSE(server.is_ok());
  EXPECT_EQ(server.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(server.status().message().find(fmt::format("127.0.0.1:{}", dead)), std::string::npos)
      << server.status().message();
}

TEST(TsoServer, EtcdOutageFailsClearlyThenServiceResumes) {
  EtcdServer etcd;
  auto server = start_server(etcd, real_now_ms);
  ASSERT_TRUE(server);
  ASSERT_TRUE(becomes_leader(*server));
  auto client = client_of({server->address()});
  const int64_t before = *client->next();

  etcd.stop();
  // Within the lease TTL (or at the next window save) the leader stops issuing.
  Status failure;
  for (int attempt = 0; attempt < 200 && failure.is_ok(); ++attempt) {
    failure = client->next().status();
    if (failure.is_ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(failure.is_ok());
  EXPECT_EQ(failure.code(), StatusCode::kUnavailable);
  EXPECT_NE(failure.message().find(server->address()), std::string::npos) << failure.message();

  etcd.restart();
  const int64_t after = next_after_failover(*client);
  EXPECT_GT(after, before);
}

// Waits (bounded) until `server` reports `leader` as the leader's address.
bool reports_leader(const TsoServer& server, const std::string& leader) {
  for (int i = 0; i < 200; ++i) {
    if (server.leader_address() == leader) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A follower reads the leader's record from etcd at every campaign. A record whose "url" is not a
// string threw from nlohmann's value() on the election thread and ended the process; now the
// follower knows no leader address, keeps campaigning, and leads once the record is gone.
TEST(TsoServer, AWrongTypedLeaderRecordLeavesTheFollowerCampaigning) {
  EtcdServer etcd;
  auto client = registry::EtcdClient::create(etcd.client_url()).value();
  const std::string leader_key = "/sluice/tso/leader";
  ASSERT_TRUE(
      client->put(leader_key, R"({"name":"other","url":"10.9.8.7:2379","token":1})").is_ok());
  auto server = start_server(etcd, real_now_ms);
  ASSERT_TRUE(server);
  ASSERT_TRUE(reports_leader(*server, "10.9.8.7:2379"));

  ASSERT_TRUE(client->put(leader_key, R"({"name":"other","url":5,"token":1})").is_ok());
  ASSERT_TRUE(reports_leader(*server, ""));
  EXPECT_FALSE(server->is_leader());

  ASSERT_TRUE(client->delete_range(leader_key).is_ok());
  ASSERT_TRUE(becomes_leader(*server));
}

}  // namespace
}  // namespace sluice::tso
