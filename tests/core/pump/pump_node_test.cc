// PumpNode in process: identity files, registry record, HTTP endpoints and state transitions.
#include "core/pump/pump_node.h"
#include "core/registry/node_identity.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"
#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/registry/directory_registry.h"
#include "tests/support/temp_dir.h"

namespace sluice::pump {
namespace {

TEST(ClusterIdTest, GeneratedOnceAndKept) {
  testing::TempDir dir("pump-node-test-");
  auto first = registry::load_or_create_cluster_id(dir.path());
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_GT(*first, 0u);
  auto second = registry::load_or_create_cluster_id(dir.path());
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(*first, *second);
  auto text = read_file(dir.file("cluster_id"));
  ASSERT_TRUE(text.is_ok());
  EXPECT_EQ(*text, std::to_string(*first) + "\n");

  ASSERT_TRUE(write_file_atomically(dir.file("cluster_id"), "12345\n").is_ok());
  EXPECT_EQ(*registry::load_or_create_cluster_id(dir.path()), 12345u);
  ASSERT_TRUE(write_file_atomically(dir.file("cluster_id"), "abc").is_ok());
  EXPECT_FALSE(registry::load_or_create_cluster_id(dir.path()).is_ok());
}

TEST(NodeIdTest, FileWinsOverConfigAndConfigOverHostname) {
  testing::TempDir dir("pump-node-test-");
  auto configured = registry::load_or_create_node_id(dir.path(), "pump-a", "127.0.0.1:8250");
  ASSERT_TRUE(configured.is_ok());
  EXPECT_EQ(*configured, "pump-a");
  EXPECT_EQ(*read_file(dir.file(".node")), "pump-a");
  // The .node file is the identity from now on.
  EXPECT_EQ(*registry::load_or_create_node_id(dir.path(), "pump-b", "127.0.0.1:8250"), "pump-a");

  testing::TempDir other("pump-node-test-");
  auto generated = registry::load_or_create_node_id(other.path(), "", "127.0.0.1:8250");
  ASSERT_TRUE(generated.is_ok());
  EXPECT_TRUE(generated->ends_with(":8250")) << *generated;
}

class PumpNodeTest : public ::testing::Test {
 protected:
  PumpConfig config() {
    PumpConfig config;
    config.addr = "127.0.0.1:0";
    config.status_addr = "127.0.0.1:0";
    config.data_dir = dir_.file("data");
    config.registry_dir = dir_.file("registry");
    config.node_id = "pump-test";
    config.stop_write_at_available_space = 0;
    config.heartbeat_interval = std::chrono::seconds(1);
    // No periodic fake binlogs: the test writes small hand-picked timestamps.
    config.gen_binlog_interval = std::chrono::seconds(0);
    return config;
  }

  registry::NodeStatus record() {
    auto registry = registry::DirectoryRegistry::open(dir_.file("registry"));
    auto status = (*registry)->get(registry::NodeKind::kPump, "pump-test");
    EXPECT_TRUE(status.is_ok() && status->has_value());
    return status->value_or(registry::NodeStatus{});
  }

  testing::TempDir dir_{"pump-node-test-"};
};

TEST_F(PumpNodeTest, RegistersOnlineServesHttpAndPausesOnRequest) {
  auto node = PumpNode::start(config());
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  PumpNode& pump = **node;
  EXPECT_EQ(pump.node_id(), "pump-test");
  EXPECT_GT(pump.cluster_id(), 0u);
  registry::NodeStatus online = record();
  EXPECT_EQ(online.state, "online");
  EXPECT_EQ(online.host, "127.0.0.1:" + std::to_string(pump.grpc_port()));
  EXPECT_GT(online.update_ts, 0);

  // A second pump on the same data dir is refused with a clear message.
  PumpConfig second = config();
  auto refused = PumpNode::start(second);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("in use by another pump"), std::string::npos)
      << refused.status().to_string();

  binlog::Binlog p;
  p.set_tp(binlog::Prewrite);
  p.set_start_ts(1000);
  p.set_prewrite_value("value");
  ASSERT_TRUE(pump.store().write(p.SerializeAsString()).is_ok());
  binlog::Binlog c;
  c.set_tp(binlog::Commit);
  c.set_start_ts(1000);
  c.set_commit_ts(2000);
  ASSERT_TRUE(pump.store().write(c.SerializeAsString()).is_ok());

  httplib::Client http("127.0.0.1", pump.http_port());
  auto status = http.Get("/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  auto json = nlohmann::json::parse(status->body);
  EXPECT_EQ(json["status"]["pump-test"]["state"], "online");
  EXPECT_EQ(json["status"]["pump-test"]["maxCommitTS"], 2000);
  EXPECT_GT(json["CommitTS"].get<int64_t>(), 0);
  EXPECT_TRUE(json["Checkpoint"].is_object());
  EXPECT_EQ(json["ErrMsg"], "");

  auto debug = http.Get("/debug/binlog/2000");
  ASSERT_TRUE(debug);
  EXPECT_EQ(debug->status, 200);
  EXPECT_NE(debug->body.find("prewrite_value: \"value\""), std::string::npos) << debug->body;
  EXPECT_NE(debug->body.find("commit_ts: 2000"), std::string::npos) << debug->body;
  auto missing = http.Get("/debug/binlog/1999");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("binlog_pump_storage"), std::string::npos);

  auto wrong = http.Put("/state/other/pause", "", "text/plain");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_FALSE(pump.stop_requested());

  auto pause = http.Put("/state/pump-test/pause", "", "text/plain");
  ASSERT_TRUE(pause);
  EXPECT_EQ(pause->status, 200) << pause->body;
  EXPECT_TRUE(pump.wait_stop_requested(std::chrono::milliseconds(1000)));
  EXPECT_EQ(pump.state(), "pausing");
  EXPECT_EQ(record().state, "pausing");
  auto again = http.Put("/state/pump-test/close", "", "text/plain");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400);

  ASSERT_TRUE(pump.shutdown().is_ok());
  EXPECT_EQ(pump.state(), "paused");
  registry::NodeStatus paused = record();
  EXPECT_EQ(paused.state, "paused");
  EXPECT_EQ(paused.max_commit_ts, 2000);

  // Restart keeps node id and cluster id.
  const uint64_t cluster_id = pump.cluster_id();
  node->reset();
  auto restarted = PumpNode::start(config());
  ASSERT_TRUE(restarted.is_ok()) << restarted.status().to_string();
  EXPECT_EQ((*restarted)->cluster_id(), cluster_id);
  EXPECT_EQ(record().state, "online");
}

TEST_F(PumpNodeTest, GcTriggerPurgesOnlyWhatNoAliveDrainerNeeds) {
  PumpConfig with_gc = config();
  with_gc.gc = std::chrono::hours(1);
  with_gc.gc_interval = std::chrono::milliseconds(0);  // only on demand
  auto node = PumpNode::start(with_gc);
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  httplib::Client http("127.0.0.1", (*node)->http_port());
  auto response = http.Post("/debug/gc/trigger", "", "text/plain");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  const auto body = nlohmann::json::parse(response->body);
  EXPECT_GT(body["gc_ts"].get<int64_t>(), 0);
  EXPECT_TRUE(body["protecting"].empty());
  EXPECT_TRUE(body["stale"].empty());
}

TEST_F(PumpNodeTest, CloseGoesOffline) {
  auto node = PumpNode::start(config());
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  httplib::Client http("127.0.0.1", (*node)->http_port());
  auto close = http.Put("/state/pump-test/close", "", "text/plain");
  ASSERT_TRUE(close);
  EXPECT_EQ(close->status, 200);
  EXPECT_EQ((*node)->state(), "closing");
  ASSERT_TRUE((*node)->shutdown().is_ok());
  EXPECT_EQ((*node)->state(), "offline");
  registry::NodeStatus offline = record();
  EXPECT_EQ(offline.state, "offline");
  EXPECT_GT(offline.max_commit_ts, 0);  // the flushing fake binlog
}

TEST_F(PumpNodeTest, StopWhileOnlineEndsPaused) {
  auto node = PumpNode::start(config());
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  (*node)->request_stop();
  EXPECT_TRUE((*node)->stop_requested());
  ASSERT_TRUE((*node)->shutdown().is_ok());
  EXPECT_EQ(record().state, "paused");
}

TEST_F(PumpNodeTest, ServesTheUnixSocketToo) {
  PumpConfig with_socket = config();
  with_socket.socket = "unix://" + dir_.file("pump.sock").string();
  auto node = PumpNode::start(with_socket);
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  auto channel = grpc::CreateChannel(with_socket.socket, grpc::InsecureChannelCredentials());
  auto stub = binlog::Pump::NewStub(channel);
  binlog::WriteBinlogReq request;  // a nil payload: the probe TiDB's client sends
  request.set_clusterid((*node)->cluster_id());
  binlog::WriteBinlogResp response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = stub->WriteBinlog(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.errmsg(), "");
  ASSERT_TRUE((*node)->shutdown().is_ok());

  PumpConfig bad = config();
  bad.socket = "/tmp/pump.sock";
  Status refused = validate(bad);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("unix://"), std::string::npos);
}

TEST_F(PumpNodeTest, PortInUseIsReported) {
  auto node = PumpNode::start(config());
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  PumpConfig clash = config();
  clash.data_dir = dir_.file("data2");
  clash.node_id = "pump-two";
  clash.addr = "127.0.0.1:" + std::to_string((*node)->grpc_port());
  auto refused = PumpNode::start(clash);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("cannot listen"), std::string::npos)
      << refused.status().to_string();
}

}  // namespace
}  // namespace sluice::pump

namespace sluice::pump {
namespace {

TEST(StatusAddrTest, DefaultsToTheGrpcPortPlusOne) {
  PumpConfig config;
  config.addr = "127.0.0.1:8250";
  EXPECT_EQ(config.effective_status_addr(), "127.0.0.1:8251");
  config.addr = "127.0.0.1:0";
  EXPECT_EQ(config.effective_status_addr(), "127.0.0.1:0");
  auto parsed = parse_pump_config("status-addr = \"127.0.0.1:9000\"\n", "test.toml");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->effective_status_addr(), "127.0.0.1:9000");
  EXPECT_FALSE(parse_pump_config("status-addr = \"nonsense\"\n", "test.toml").is_ok());
}

}  // namespace
}  // namespace sluice::pump
