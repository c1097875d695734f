// PumpClient against real gRPC servers on loopback: selection, retries, errors that are final,
// C-binlogs to the pump of their P-binlog, probes of pumps set aside. Every interval is tens of
// milliseconds so the tests stay short.
#include "sdk/producer/pump_client.h"

#include <gtest/gtest.h>

#include <array>
#include <future>
#include <thread>

#include "tests/sdk/producer/fake_pump_server.h"

namespace sluice::producer {
namespace {

using std::chrono::milliseconds;
using testing::FakePumpServer;
using testing::PumpBehaviour;

PumpClientOptions fast_options() {
  PumpClientOptions options;
  options.cluster_id = 6'800'000'000'000'000'001ULL;
  options.write_timeout = milliseconds(200);
  options.rpc_timeout = milliseconds(2'000);
  options.retry_interval = milliseconds(10);
  options.commit_retry_interval = milliseconds(10);
  options.commit_timeout = milliseconds(10'000);
  options.probe_interval = milliseconds(20);
  return options;
}

binlog::Binlog prewrite(int64_t start_ts) {
  binlog::Binlog binlog;
  binlog.set_tp(binlog::Prewrite);
  binlog.set_start_ts(start_ts);
  binlog.set_prewrite_key("k");
  binlog.set_prewrite_value("v");
  return binlog;
}

binlog::Binlog commit(int64_t start_ts, int64_t commit_ts) {
  binlog::Binlog binlog;
  binlog.set_tp(binlog::Commit);
  binlog.set_start_ts(start_ts);
  binlog.set_commit_ts(commit_ts);
  return binlog;
}

// Pumps "pump-0".."pump-N-1", all online.
template <size_t N>
struct Cluster {
  std::array<FakePumpServer, N> servers;
  std::shared_ptr<StaticPumpDirectory> directory;

  Cluster() {
    std::vector<PumpInfo> pumps;
    for (size_t i = 0; i < N; ++i) {
      pumps.push_back({"pump-" + std::to_string(i), servers[i].address(), "online"});
    }
    directory = std::make_shared<StaticPumpDirectory>(std::move(pumps));
  }

  std::unique_ptr<PumpClient> client(PumpClientOptions options = fast_options()) {
    auto created = PumpClient::create(directory, options);
    EXPECT_TRUE(created.is_ok()) << created.status().to_string();
    return std::move(created).value();
  }
};

TEST(PumpClient, RangeSelectorSpreadsPrewritesRoundRobin) {
  Cluster<3> cluster;
  auto client = cluster.client();
  for (int64_t ts = 1; ts <= 6; ++ts) {
    ASSERT_TRUE(client->write_prewrite(prewrite(ts * 1000)).is_ok());
  }
  for (size_t i = 0; i < 3; ++i) {
    const auto binlogs = cluster.servers[i].accepted_binlogs();
    ASSERT_EQ(binlogs.size(), 2u) << "pump " << i;
    // Round robin: pump i took the i-th and the (i+3)-th.
    EXPECT_EQ(binlogs[0].start_ts(), static_cast<int64_t>(i + 1) * 1000);
    EXPECT_EQ(binlogs[1].start_ts(), static_cast<int64_t>(i + 4) * 1000);
  }
  const auto request = cluster.servers[0].received().front().request;
  EXPECT_EQ(request.clusterid(), fast_options().cluster_id);
  EXPECT_EQ(client->pump_for(1000), "pump-0");
  EXPECT_EQ(client->pump_for(2000), "pump-1");
}

TEST(PumpClient, HashSelectorPicksStartTsModuloPumps) {
  Cluster<3> cluster;
  PumpClientOptions options = fast_options();
  options.selector = PumpSelector::kHash;
  auto client = cluster.client(options);
  for (int64_t ts : {9, 10, 11, 14}) {
    ASSERT_TRUE(client->write_prewrite(prewrite(ts)).is_ok());
    EXPECT_EQ(client->pump_for(ts), "pump-" + std::to_string(ts % 3));
  }
  EXPECT_EQ(cluster.servers[0].accepted_binlogs().size(), 1u);  // 9
  EXPECT_EQ(cluster.servers[1].accepted_binlogs().size(), 1u);  // 10
  EXPECT_EQ(cluster.servers[2].accepted_binlogs().size(), 2u);  // 11, 14

  // A failed pump makes the retry move to (start_ts + 1) % n.
  cluster.servers[0].set_behaviour(PumpBehaviour::kUnavailable);
  ASSERT_TRUE(client->write_prewrite(prewrite(12)).is_ok());
  EXPECT_EQ(client->pump_for(12), "pump-1");
  EXPECT_EQ(parse_pump_selector("hash").value(), PumpSelector::kHash);
  EXPECT_FALSE(parse_pump_selector("score").is_ok());
}

TEST(PumpClient, CommitGoesToThePumpOfItsPrewrite) {
  Cluster<3> cluster;
  auto client = cluster.client();
  ASSERT_TRUE(client->write_prewrite(prewrite(100)).is_ok());  // pump-0
  ASSERT_TRUE(client->write_prewrite(prewrite(200)).is_ok());  // pump-1
  ASSERT_TRUE(client->write_commit(commit(100, 150)).is_ok());
  ASSERT_TRUE(client->write_commit(commit(200, 250)).is_ok());
  EXPECT_FALSE(client->pump_for(100).has_value());  // forgotten once written
  const auto first = cluster.servers[0].accepted_binlogs();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].tp(), binlog::Commit);
  EXPECT_EQ(first[1].start_ts(), 100);
  EXPECT_EQ(first[1].commit_ts(), 150);
  const auto second = cluster.servers[1].accepted_binlogs();
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[1].start_ts(), 200);
  EXPECT_EQ(cluster.servers[2].received_count(), 0u);
}

TEST(PumpClient, FailingPumpIsSkipped) {
  Cluster<2> cluster;
  cluster.servers[0].set_behaviour(PumpBehaviour::kErrmsg, "storage is closed");
  auto client = cluster.client();
  ASSERT_TRUE(client->write_prewrite(prewrite(7)).is_ok());
  EXPECT_EQ(client->pump_for(7), "pump-1");
  EXPECT_EQ(cluster.servers[0].received_count(), 1u);
  EXPECT_EQ(cluster.servers[1].accepted_binlogs().size(), 1u);
  EXPECT_EQ(client->pumps()[0].consecutive_errors, 1);
  EXPECT_TRUE(client->pumps()[0].usable);  // fewer than 10 errors in a row
}

TEST(PumpClient, NonOnlinePumpsTakeNoPrewriteButStillTheirCommit) {
  Cluster<2> cluster;
  auto client = cluster.client();
  ASSERT_TRUE(client->write_prewrite(prewrite(1)).is_ok());  // pump-0
  ASSERT_TRUE(cluster.directory->set_state("pump-0", "paused").is_ok());
  for (int64_t ts = 2; ts <= 4; ++ts) {
    ASSERT_TRUE(client->write_prewrite(prewrite(ts)).is_ok());
    EXPECT_EQ(client->pump_for(ts), "pump-1");
  }
  ASSERT_TRUE(client->write_commit(commit(1, 5)).is_ok());
  const auto binlogs = cluster.servers[0].accepted_binlogs();
  ASSERT_EQ(binlogs.size(), 2u);
  EXPECT_EQ(binlogs[1].tp(), binlog::Commit);
}

TEST(PumpClient, ResourceExhaustedIsNotRetried) {
  Cluster<2> cluster;
  cluster.servers[0].set_behaviour(PumpBehaviour::kResourceExhausted, "message too large");
  auto client = cluster.client();
  const Status status = client->write_prewrite(prewrite(1));
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("pump-0"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("code = ResourceExhausted"), std::string::npos);
  EXPECT_EQ(cluster.servers[0].received_count(), 1u);
  EXPECT_EQ(cluster.servers[1].received_count(), 0u);

  // An errmsg naming it is final too (TiDB matches the text). A new client starts its round
  // robin at pump-0 again.
  cluster.servers[0].set_behaviour(PumpBehaviour::kErrmsg, "ResourceExhausted: disk quota");
  auto second = cluster.client();
  EXPECT_EQ(second->write_prewrite(prewrite(2)).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(cluster.servers[0].received_count(), 2u);
  EXPECT_EQ(cluster.servers[1].received_count(), 0u);
}

TEST(PumpClient, ErrmsgIsAFailureAndTheErrorNamesEveryPump) {
  Cluster<2> cluster;
  cluster.servers[0].set_behaviour(PumpBehaviour::kErrmsg, "disk full on pump 0");
  cluster.servers[1].set_behaviour(PumpBehaviour::kUnavailable, "pump 1 is going away");
  auto client = cluster.client();
  const Status status = client->write_prewrite(prewrite(1));
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  const std::string& message = status.message();
  EXPECT_NE(message.find("pump-0 (" + cluster.servers[0].address() + "): disk full on pump 0"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("pump-1 (" + cluster.servers[1].address() +
                         "): rpc error: code = Unavailable desc = pump 1 is going away"),
            std::string::npos)
      << message;
  // Retried past the write timeout: more attempts than pumps.
  EXPECT_GT(cluster.servers[0].received_count() + cluster.servers[1].received_count(), 2u);
  EXPECT_FALSE(client->pump_for(1).has_value());
}

TEST(PumpClient, AllPumpsDownFailsWithinTheWriteTimeout) {
  Cluster<2> cluster;
  std::vector<std::string> addresses;
  for (auto& server : cluster.servers) {
    addresses.push_back(server.address());
    server.shutdown();
  }
  auto client = cluster.client();
  const auto start = std::chrono::steady_clock::now();
  const Status status = client->write_prewrite(prewrite(1));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("pump-0 (" + addresses[0] + ")"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("pump-1 (" + addresses[1] + ")"), std::string::npos);
  EXPECT_NE(status.message().find("code = Unavailable"), std::string::npos);
  // A bound, not a measurement: the write gives up after the 200 ms write timeout instead of
  // hanging.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(PumpClient, CommitIsRetriedToTheSamePumpUntilItRecovers) {
  Cluster<2> cluster;
  auto client = cluster.client();
  ASSERT_TRUE(client->write_prewrite(prewrite(42)).is_ok());  // pump-0
  cluster.servers[0].set_behaviour(PumpBehaviour::kUnavailable, "restarting");
  auto pending =
      std::async(std::launch::async, [&] { return client->write_commit(commit(42, 43)); });
  ASSERT_TRUE(cluster.servers[0].wait_for_requests(4, milliseconds(5'000)));  // P + 3 tries
  cluster.servers[0].set_behaviour(PumpBehaviour::kOk);
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(pending.get().is_ok());
  const auto binlogs = cluster.servers[0].accepted_binlogs();
  ASSERT_EQ(binlogs.size(), 2u);
  EXPECT_EQ(binlogs[1].tp(), binlog::Commit);
  EXPECT_EQ(binlogs[1].commit_ts(), 43);
  EXPECT_EQ(cluster.servers[1].received_count(), 0u);
}

TEST(PumpClient, StopEndsACommitRetry) {
  Cluster<1> cluster;
  auto client = cluster.client();
  ASSERT_TRUE(client->write_prewrite(prewrite(1)).is_ok());
  cluster.servers[0].set_behaviour(PumpBehaviour::kErrmsg);
  auto pending = std::async(std::launch::async, [&] { return client->write_commit(commit(1, 2)); });
  ASSERT_TRUE(cluster.servers[0].wait_for_requests(3, milliseconds(5'000)));
  client->stop();
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(pending.get().code(), StatusCode::kAborted);
}

TEST(PumpClient, StopCancelsACallInFlight) {
  Cluster<1> cluster;
  PumpClientOptions options = fast_options();
  options.rpc_timeout = milliseconds(60'000);
  auto client = cluster.client(options);
  ASSERT_TRUE(client->write_prewrite(prewrite(1)).is_ok());
  cluster.servers[0].set_behaviour(PumpBehaviour::kHang);
  auto pending = std::async(std::launch::async, [&] { return client->write_commit(commit(1, 2)); });
  ASSERT_TRUE(cluster.servers[0].wait_for_requests(2, milliseconds(5'000)));
  client->stop();
  // Well before the 60 s deadline of the call.
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const Status status = pending.get();
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_NE(status.message().find("Canceled"), std::string::npos) << status.message();
}

TEST(PumpClient, ProbeBringsAPumpSetAsideBack) {
  Cluster<2> cluster;
  PumpClientOptions options = fast_options();
  options.max_consecutive_errors = 2;
  auto client = cluster.client(options);
  cluster.servers[0].set_behaviour(PumpBehaviour::kErrmsg, "busy");
  // Range selection starts at pump-0 every other write: two failures set it aside.
  for (int64_t ts = 1; ts <= 4; ++ts) {
    ASSERT_TRUE(client->write_prewrite(prewrite(ts)).is_ok());
    EXPECT_EQ(client->pump_for(ts), "pump-1");
  }
  EXPECT_FALSE(client->pumps()[0].usable);

  cluster.servers[0].set_behaviour(PumpBehaviour::kOk);
  bool usable = false;
  for (int i = 0; i < 500 && !usable; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
    usable = client->pumps()[0].usable;
  }
  ASSERT_TRUE(usable);
  // The probe was an empty-payload request with the cluster id, accepted without a binlog.
  const auto received = cluster.servers[0].received();
  const auto probe = std::find_if(received.begin(), received.end(), [](const auto& entry) {
    return entry.accepted && entry.request.payload().empty();
  });
  ASSERT_NE(probe, received.end());
  EXPECT_EQ(probe->request.clusterid(), options.cluster_id);
  EXPECT_TRUE(cluster.servers[0].accepted_binlogs().empty());
  // And it takes P-binlogs again.
  ASSERT_TRUE(client->write_prewrite(prewrite(5)).is_ok());
  ASSERT_TRUE(client->write_prewrite(prewrite(6)).is_ok());
  EXPECT_EQ(cluster.servers[0].accepted_binlogs().size(), 1u);
}

TEST(PumpClient, RefusesBadOptionsAndWrongBinlogTypes) {
  auto directory = std::make_shared<StaticPumpDirectory>(std::vector<PumpInfo>{});
  PumpClientOptions options = fast_options();
  options.retry_interval = milliseconds(0);
  EXPECT_FALSE(PumpClient::create(directory, options).is_ok());
  EXPECT_FALSE(PumpClient::create(nullptr, fast_options()).is_ok());
  auto client = PumpClient::create(directory, fast_options());
  ASSERT_TRUE(client.is_ok());
  EXPECT_EQ((*client)->write_prewrite(commit(1, 2)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*client)->write_commit(prewrite(1)).code(), StatusCode::kInvalidArgument);
  const Status none = (*client)->write_prewrite(prewrite(1));
  EXPECT_EQ(none.code(), StatusCode::kUnavailable);
  EXPECT_NE(none.message().find("no online pump"), std::string::npos) << none.message();
}

}  // namespace
}  // namespace sluice::producer
