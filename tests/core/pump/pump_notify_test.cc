// Cistern.Notify on first registration: a fresh pump calls Notify once on every online drainer
// of the registry (real gRPC servers in this test), a restarted pump does not, drainers in other
// states are skipped, an unreachable drainer does not stop the start, and with [security] the
// call uses TLS.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "core/net/grpc_tls.h"
#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/pump/drainer_notifier.h"
#include "core/pump/pump_node.h"
#include "core/registry/directory_registry.h"
#include "core/tso/tso.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sluice::pump {
namespace {

// A drainer as far as the pump can tell: a gRPC server implementing binlog.Cistern that counts
// Notify calls.
class FakeDrainer final : public binlog::Cistern::Service {
 public:
  explicit FakeDrainer(
      std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakeDrainer() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  grpc::Status Notify(grpc::ServerContext*, const binlog::NotifyReq*,
                      binlog::NotifyResp*) override {
    std::lock_guard lock(mutex_);
    ++notified_;
    cv_.notify_all();
    return grpc::Status::OK;
  }

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  int notified() {
    std::lock_guard lock(mutex_);
    return notified_;
  }
  // Waits until at least `count` Notify calls arrived; false at the timeout.
  bool wait_notified(int count, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return notified_ >= count; });
  }

 private:
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  int notified_ = 0;
};

class PumpNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = registry::DirectoryRegistry::open(dir_.file("registry"));
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    registry_ = std::move(opened).value();
  }

  void register_drainer(const std::string& id, const std::string& host, std::string_view state) {
    registry::NodeStatus status;
    status.node_id = id;
    status.host = host;
    status.state = std::string(state);
    status.is_alive = state == registry::kOnline;
    ASSERT_TRUE(registry_->put(registry::NodeKind::kDrainer, status).is_ok());
  }

  PumpConfig config() {
    PumpConfig config;
    config.addr = "127.0.0.1:0";
    config.status_addr = "127.0.0.1:0";
    config.data_dir = dir_.file("data");
    config.registry_dir = dir_.file("registry");
    config.node_id = "pump-notify";
    config.stop_write_at_available_space = 0;
    config.gen_binlog_interval = std::chrono::seconds(0);
    return config;
  }

  testing::TempDir dir_{"pump-notify-test-"};
  std::unique_ptr<registry::DirectoryRegistry> registry_;
};

TEST_F(PumpNotifyTest, FreshPumpNotifiesOnlineDrainersOnceAndRestartDoesNot) {
  FakeDrainer online;
  FakeDrainer paused;
  ASSERT_GT(online.port(), 0);
  register_drainer("drainer-online", online.host(), registry::kOnline);
  register_drainer("drainer-paused", paused.host(), registry::kPaused);

  {
    auto node = PumpNode::start(config());
    ASSERT_TRUE(node.is_ok()) << node.status().to_string();
    EXPECT_TRUE(online.wait_notified(1, std::chrono::seconds(20)));
    // shutdown() joins the notifier, so every call it would make has been made.
    ASSERT_TRUE((*node)->shutdown().is_ok());
  }
  EXPECT_EQ(online.notified(), 1);
  EXPECT_EQ(paused.notified(), 0);

  // Restart: the record (now paused) exists, so the drainers already know this pump.
  {
    auto node = PumpNode::start(config());
    ASSERT_TRUE(node.is_ok()) << node.status().to_string();
    ASSERT_TRUE((*node)->shutdown().is_ok());
  }
  EXPECT_EQ(online.notified(), 1);
  EXPECT_EQ(paused.notified(), 0);
}

TEST_F(PumpNotifyTest, PumpBackFromOfflineNotifiesAgain) {
  FakeDrainer online;
  register_drainer("drainer-online", online.host(), registry::kOnline);
  registry::NodeStatus offline;
  offline.node_id = "pump-notify";
  offline.host = "127.0.0.1:1";
  offline.state = std::string(registry::kOffline);
  offline.is_alive = false;
  ASSERT_TRUE(registry_->put(registry::NodeKind::kPump, offline).is_ok());

  auto node = PumpNode::start(config());
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  EXPECT_TRUE(online.wait_notified(1, std::chrono::seconds(20)));
  ASSERT_TRUE((*node)->shutdown().is_ok());
  EXPECT_EQ(online.notified(), 1);
}

TEST_F(PumpNotifyTest, UnreachableDrainerDoesNotStopTheStart) {
  FakeDrainer reachable;
  // Sorted before the reachable one, so its failure comes first. Nothing listens on the port.
  register_drainer("drainer-a-gone", "127.0.0.1:" + std::to_string(testing::free_tcp_port()),
                   registry::kOnline);
  register_drainer("drainer-b-here", reachable.host(), registry::kOnline);

  auto node = PumpNode::start(config());
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  EXPECT_EQ((*node)->state(), "online");
  EXPECT_TRUE(reachable.wait_notified(1, std::chrono::seconds(20)));
  ASSERT_TRUE((*node)->shutdown().is_ok());
  EXPECT_EQ(reachable.notified(), 1);
}

// A joining pump takes no prewrite until every live drainer answered Notify: a drainer that
// cannot be reached holds prewrites (UNAVAILABLE, so SQL nodes use another pump) until it answers;
// one whose heartbeat is stale is not waited for.
TEST_F(PumpNotifyTest, PrewritesWaitUntilEveryLiveDrainerAcknowledged) {
  const std::string gone = "127.0.0.1:" + std::to_string(testing::free_tcp_port());
  register_drainer("drainer-a", gone, registry::kOnline);
  // Silent for an hour: past the drainer heartbeat timeout, not waited for.
  registry::NodeStatus stale;
  stale.node_id = "drainer-stale";
  stale.host = "127.0.0.1:" + std::to_string(testing::free_tcp_port());
  stale.state = std::string(registry::kOnline);
  stale.is_alive = true;
  stale.update_ts = tso::compose(
      tso::physical_ms(tso::from_time(std::chrono::system_clock::now() - std::chrono::hours(1))),
      0);
  ASSERT_TRUE(registry_->put(registry::NodeKind::kDrainer, stale).is_ok());

  auto node = PumpNode::start(config());
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string((*node)->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = binlog::Pump::NewStub(channel);
  auto write_prewrite = [&](int64_t start_ts) {
    binlog::Binlog prewrite;
    prewrite.set_tp(binlog::Prewrite);
    prewrite.set_start_ts(start_ts);
    prewrite.set_prewrite_value("v");
    binlog::WriteBinlogReq request;
    request.set_clusterid((*node)->cluster_id());
    request.set_payload(prewrite.SerializeAsString());
    binlog::WriteBinlogResp response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->WriteBinlog(&context, request, &response);
  };
  grpc::Status refused = write_prewrite(tso::compose(1000, 1));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_NE(refused.error_message().find("acknowledge"), std::string::npos)
      << refused.error_message();

  // The drainer comes back (at a new address): its acknowledgement releases the pump.
  FakeDrainer back;
  register_drainer("drainer-a", back.host(), registry::kOnline);
  EXPECT_TRUE(back.wait_notified(1, std::chrono::seconds(20)));
  grpc::Status accepted = grpc::Status(grpc::StatusCode::UNKNOWN, "not tried");
  for (int i = 0; i < 50 && !accepted.ok(); ++i) {
    accepted = write_prewrite(tso::compose(1000, 2 + i));
    if (!accepted.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(accepted.ok()) << accepted.error_message();
  ASSERT_TRUE((*node)->shutdown().is_ok());
}

TEST_F(PumpNotifyTest, NotifierReportsEachOnlineDrainer) {
  FakeDrainer reachable;
  const std::string gone = "127.0.0.1:" + std::to_string(testing::free_tcp_port());
  register_drainer("drainer-a-gone", gone, registry::kOnline);
  register_drainer("drainer-b-here", reachable.host(), registry::kOnline);
  register_drainer("drainer-c-offline", reachable.host(), registry::kOffline);

  DrainerNotifier notifier(*registry_, grpc::InsecureChannelCredentials());
  std::vector<NotifyOutcome> outcomes = notifier.notify_all();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].node_id, "drainer-a-gone");
  EXPECT_EQ(outcomes[0].host, gone);
  EXPECT_FALSE(outcomes[0].status.is_ok());
  EXPECT_EQ(outcomes[1].node_id, "drainer-b-here");
  EXPECT_TRUE(outcomes[1].status.is_ok()) << outcomes[1].status.to_string();
  EXPECT_EQ(reachable.notified(), 1);

  // Once cancelled (the pump is stopping) nothing more is called.
  notifier.cancel();
  outcomes = notifier.notify_all();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[1].status.code(), StatusCode::kAborted) << outcomes[1].status.to_string();
  EXPECT_EQ(reachable.notified(), 1);
}

TEST_F(PumpNotifyTest, NotifyUsesTlsWithSecurity) {
  testing::TestCertificateAuthority ca(dir_.path(), "test");
  testing::CertificateFiles pump_files = ca.issue_server("pump", "pump");
  testing::CertificateFiles drainer_files = ca.issue_server("drainer", "drainer");
  // The drainer accepts only the pump's certificate.
  FakeDrainer drainer(net::make_server_credentials(ca.tls_material(drainer_files, {"pump"})));
  register_drainer("drainer-tls", drainer.host(), registry::kOnline);

  PumpConfig secure = config();
  secure.security.ca_path = ca.ca_file().string();
  secure.security.cert_path = pump_files.cert.string();
  secure.security.key_path = pump_files.key.string();
  auto node = PumpNode::start(secure);
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  EXPECT_TRUE(drainer.wait_notified(1, std::chrono::seconds(20)));
  ASSERT_TRUE((*node)->shutdown().is_ok());
  EXPECT_EQ(drainer.notified(), 1);
}

}  // namespace
}  // namespace sluice::pump
