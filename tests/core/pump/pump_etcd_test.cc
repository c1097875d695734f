// The pump in cluster mode against a real etcd: SIGTERM of the daemon while online leaves it
// paused; a crashed daemon's stale "online" stays visible and is repaired with binlogctl
// update-pump; a state set by binlogctl on a running pump is obeyed; a close waits for the
// drainers and a second stop gives it up; an unreachable etcd at start is a clear error.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "core/pump/pump_node.h"
#include "core/registry/etcd_registry.h"
#include "daemons/binlogctl/binlogctl.h"
#include "tests/support/child_process.h"
#include "tests/support/etcd_server.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace sluice::pump {
namespace {

using registry::NodeKind;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;

constexpr uint64_t kClusterId = 41;

std::filesystem::path pump_binary() {
  const char* dir = std::getenv("SLUICE_BINARY_DIR");
  if (dir != nullptr && *dir != '\0') return std::filesystem::path(dir) / "bin" / "sluice-pump";
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" /
         "sluice-pump";
}

bool wait_until(const std::function<bool()>& condition, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return condition();
}

class PumpEtcdTest : public ::testing::Test {
 protected:
  registry::NodeStatus record(const std::string& id) {
    auto found = registry_->get(NodeKind::kPump, id);
    EXPECT_TRUE(found.is_ok() && found->has_value()) << id;
    return found.is_ok() && found->has_value() ? **found : registry::NodeStatus{};
  }

  PumpConfig config(const std::string& id) const {
    PumpConfig config;
    config.addr = "127.0.0.1:0";
    config.status_addr = "127.0.0.1:0";
    config.data_dir = dir_.file(id);
    config.registry_dir = dir_.file("registry");
    config.pd_urls = etcd_.client_url();  // registry defaults to etcd with pd-urls
    config.tso = "embedded";
    config.cluster_id = kClusterId;
    config.node_id = id;
    config.heartbeat_interval = seconds(1);
    config.stop_write_at_available_space = 0;
    return config;
  }

  std::unique_ptr<ChildProcess> launch(const std::string& id) {
    testing::ChildProcessOptions options;
    options.argv = {pump_binary().string(),
                    "-addr",
                    "127.0.0.1:" + std::to_string(testing::free_tcp_port()),
                    "-status-addr",
                    "127.0.0.1:" + std::to_string(testing::free_tcp_port()),
                    "-data-dir",
                    dir_.file(id).string(),
                    "-registry-dir",
                    dir_.file("registry").string(),
                    "-pd-urls",
                    etcd_.client_url(),
                    "-tso",
                    "embedded",
                    "-node-id",
                    id};
    options.log_file = dir_.file(id + ".log");
    options.pipe_stdout = true;
    auto child = std::make_unique<ChildProcess>(options);
    auto line = child->read_stdout_line(seconds(30));
    EXPECT_TRUE(line.has_value() && line->find("serving gRPC") != std::string::npos)
        << child->log_tail();
    return child;
  }

  // A drainer record that never catches up (max_commit_ts 0, online).
  void register_lagging_drainer() {
    registry::NodeStatus drainer;
    drainer.node_id = "lagging-drainer";
    drainer.host = "127.0.0.1:1";
    drainer.state = "online";
    ASSERT_TRUE(registry_->put(NodeKind::kDrainer, drainer).is_ok());
  }

  testing::EtcdServer etcd_;
  testing::TempDir dir_{"sluice-pump-etcd-"};
  std::unique_ptr<registry::EtcdRegistry> registry_ =
      registry::EtcdRegistry::open(etcd_.client_url()).value();
};

TEST_F(PumpEtcdTest, SigtermOfAnOnlinePumpLeavesItPaused) {
  auto pump = launch("pump-sig");
  EXPECT_EQ(record("pump-sig").state, "online");
  const int status = pump->terminate(seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << pump->log_tail();
  EXPECT_EQ(WEXITSTATUS(status), 0) << pump->log_tail();
  EXPECT_EQ(record("pump-sig").state, "paused");
  EXPECT_FALSE(record("pump-sig").is_alive);
}

TEST_F(PumpEtcdTest, ACrashedPumpStaysOnlineUntilRepairedWithBinlogctl) {
  auto pump = launch("pump-crash");
  ASSERT_TRUE(wait_until([&] { return record("pump-crash").update_ts > 0; }, seconds(10)));
  pump->kill9();
  const registry::NodeStatus stale = record("pump-crash");
  EXPECT_EQ(stale.state, "online");
  // No heartbeat any more: updateTS stays where the crash left it.
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(record("pump-crash").update_ts, stale.update_ts);
  auto listed = binlogctl::run({.cmd = "pumps", .pd_urls = etcd_.client_url()});
  ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
  EXPECT_NE(listed->find(R"("nodeId":"pump-crash","host")"), std::string::npos) << *listed;
  EXPECT_NE(listed->find(R"("state":"online")"), std::string::npos) << *listed;

  auto repaired = binlogctl::run({.cmd = "update-pump",
                                  .pd_urls = etcd_.client_url(),
                                  .node_id = "pump-crash",
                                  .state = "paused"});
  ASSERT_TRUE(repaired.is_ok()) << repaired.status().to_string();
  EXPECT_EQ(record("pump-crash").state, "paused");

  // Restarted, it takes its record over (guarded by the revision it read) and is online again.
  pump = launch("pump-crash");
  EXPECT_EQ(record("pump-crash").state, "online");
  EXPECT_GT(record("pump-crash").update_ts, stale.update_ts);
  pump->terminate(seconds(30));
  EXPECT_EQ(record("pump-crash").state, "paused");
}

TEST_F(PumpEtcdTest, AStateSetWithBinlogctlOnARunningPumpIsObeyed) {
  auto node = PumpNode::start(config("pump-obey"));
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  auto paused = binlogctl::run({.cmd = "update-pump",
                                .pd_urls = etcd_.client_url(),
                                .node_id = "pump-obey",
                                .state = "paused"});
  ASSERT_TRUE(paused.is_ok()) << paused.status().to_string();
  // The next heartbeat finds the record changed and pauses the pump instead of overwriting it.
  ASSERT_TRUE((*node)->wait_stop_requested(seconds(10)));
  EXPECT_EQ((*node)->state(), "pausing");
  ASSERT_TRUE((*node)->shutdown().is_ok());
  EXPECT_EQ(record("pump-obey").state, "paused");

  // Offline set by an operator: the pump stops at once, without waiting for drainers.
  register_lagging_drainer();
  node = PumpNode::start(config("pump-obey"));
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  EXPECT_EQ(record("pump-obey").state, "online");
  ASSERT_TRUE(binlogctl::run({.cmd = "update-pump",
                              .pd_urls = etcd_.client_url(),
                              .node_id = "pump-obey",
                              .state = "offline"})
                  .is_ok());
  ASSERT_TRUE((*node)->wait_stop_requested(seconds(10)));
  ASSERT_TRUE((*node)->shutdown().is_ok());
  EXPECT_EQ(record("pump-obey").state, "offline");
}

TEST_F(PumpEtcdTest, CloseWaitsForEveryDrainerAndASecondStopGivesItUp) {
  register_lagging_drainer();
  auto node = PumpNode::start(config("pump-close"));
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  httplib::Client http("127.0.0.1", (*node)->http_port());
  auto close = http.Put("/state/pump-close/close", "", "text/plain");
  ASSERT_TRUE(close);
  ASSERT_EQ(close->status, 200) << close->body;
  auto shutdown = std::async(std::launch::async, [&] { return (*node)->shutdown(); });
  // The drainer never catches up: the pump stays closing.
  EXPECT_EQ(shutdown.wait_for(seconds(3)), std::future_status::timeout);
  EXPECT_EQ(record("pump-close").state, "closing");
  (*node)->request_stop();
  ASSERT_EQ(shutdown.wait_for(seconds(30)), std::future_status::ready);
  EXPECT_TRUE(shutdown.get().is_ok());
  EXPECT_EQ(record("pump-close").state, "paused");
  EXPECT_EQ((*node)->state(), "paused");
}

TEST_F(PumpEtcdTest, AnUnreachableEtcdAtStartIsAClearError) {
  PumpConfig dead = config("pump-dead");
  const std::string endpoint = "127.0.0.1:" + std::to_string(testing::free_tcp_port());
  dead.pd_urls = "http://" + endpoint;
  auto node = PumpNode::start(dead);
  ASSERT_FALSE(node.is_ok());
  EXPECT_NE(node.status().message().find(endpoint), std::string::npos) << node.status().to_string();
  EXPECT_NE(node.status().to_string().find("registering in the registry"), std::string::npos)
      << node.status().to_string();
}

TEST(PumpClusterConfig, RegistryAndTsoKeysAreReadAndChecked) {
  auto config = parse_pump_config(
      "pd-urls = \"http://127.0.0.1:2379\"\nregistry = \"etcd\"\ntso = \"sluice\"\n"
      "tso-urls = \"127.0.0.1:2390\"\n",
      "pump.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->registry, "etcd");
  EXPECT_EQ(config->tso, "sluice");
  EXPECT_EQ(config->tso_urls, "127.0.0.1:2390");
  auto bad = parse_pump_config("registry = \"zookeeper\"\n", "pump.toml");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("registry = 'zookeeper'"), std::string::npos)
      << bad.status().message();
  auto no_urls = parse_pump_config("registry = \"etcd\"\n", "pump.toml");
  ASSERT_FALSE(no_urls.is_ok());
  EXPECT_NE(no_urls.status().message().find("needs pd-urls"), std::string::npos);
  auto no_tso_urls = parse_pump_config("tso = \"sluice\"\n", "pump.toml");
  ASSERT_FALSE(no_tso_urls.is_ok());
  EXPECT_NE(no_tso_urls.status().message().find("tso-urls"), std::string::npos);
}

}  // namespace
}  // namespace sluice::pump
