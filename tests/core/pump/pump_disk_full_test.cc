// A pump whose disk fills up, for real: its data dir on a small tmpfs (the test runs as root and
// mounts it; it is unmounted at the end). Writes are refused with gRPC UNKNOWN (what TiDB's pump
// client retries and fails over on), /status and the registry record say why, and once space is
// freed the pump takes writes again by itself; every acknowledged binlog can be pulled.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/pump/pump_node.h"
#include "core/registry/directory_registry.h"
#include "core/tso/tso.h"
#include "tests/support/temp_dir.h"

namespace sluice::pump {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class PumpDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_.file("tmpfs");
    std::filesystem::create_directories(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=48m") != 0) {
      const int error = errno;
      if (error == EPERM && ::geteuid() != 0) {
        GTEST_SKIP() << "mounting a tmpfs needs root: " << std::strerror(error);
      }
      FAIL() << "mount tmpfs at " << mount_point_ << ": " << std::strerror(error);
    }
    mounted_ = true;
  }
  void TearDown() override {
    node_.reset();
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
  }

  grpc::Status write(binlog::Pump::Stub& stub, const binlog::Binlog& binlog) {
    binlog::WriteBinlogReq request;
    request.set_clusterid(node_->cluster_id());
    request.set_payload(binlog.SerializeAsString());
    binlog::WriteBinlogResp response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(20));
    return stub.WriteBinlog(&context, request, &response);
  }

  testing::TempDir dir_{"pump-disk-full-"};
  std::filesystem::path mount_point_;
  bool mounted_ = false;
  std::unique_ptr<PumpNode> node_;
};

TEST_F(PumpDiskFullTest, AFullDiskRefusesWritesSaysWhyAndRecoversWhenSpaceReturns) {
  // Room that is given back later.
  const auto filler = mount_point_ / "filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string block(1 << 20, 'f');
    for (int i = 0; i < 16; ++i)
      out << block;
  }
  PumpConfig config;
  config.addr = "127.0.0.1:0";
  config.status_addr = "127.0.0.1:0";
  config.data_dir = mount_point_ / "pump";
  config.registry_dir = dir_.file("registry");
  config.node_id = "pump-full";
  config.stop_write_at_available_space = 0;  // the disk itself refuses, not the guard
  config.heartbeat_interval = seconds(1);
  auto started = PumpNode::start(config);
  ASSERT_TRUE(started.is_ok()) << started.status().to_string();
  node_ = std::move(started).value();
  auto stub = binlog::Pump::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(node_->grpc_port()), grpc::InsecureChannelCredentials()));

  // 1 MiB prewrites (compressible, so the flush after recovery fits) until the disk is full.
  std::set<int64_t> acknowledged;
  grpc::Status refused;
  std::optional<binlog::Binlog> unfinished_commit;  // refused: the SQL node sends it again
  int64_t ts = tso::from_time(std::chrono::system_clock::now());
  for (int i = 0; i < 200 && refused.ok(); ++i) {
    binlog::Binlog prewrite;
    prewrite.set_tp(binlog::Prewrite);
    prewrite.set_start_ts(++ts);
    prewrite.set_prewrite_key("k");
    prewrite.set_prewrite_value(std::string(1 << 20, static_cast<char>('a' + i % 26)));
    refused = write(*stub, prewrite);
    if (!refused.ok()) break;
    binlog::Binlog commit;
    commit.set_tp(binlog::Commit);
    commit.set_start_ts(prewrite.start_ts());
    commit.set_commit_ts(++ts);
    refused = write(*stub, commit);
    if (refused.ok()) {
      acknowledged.insert(commit.commit_ts());
    } else {
      unfinished_commit = commit;
    }
  }
  ASSERT_FALSE(refused.ok()) << "the 48 MiB tmpfs never filled";
  ASSERT_GT(acknowledged.size(), 0u);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNKNOWN) << refused.error_message();

  httplib::Client http("127.0.0.1", node_->http_port());
  auto status = http.Get("/status");
  ASSERT_TRUE(status);
  auto body = nlohmann::json::parse(status->body);
  EXPECT_TRUE(body.contains("StorageError")) << status->body;
  EXPECT_FALSE(body["ErrMsg"].get<std::string>().empty()) << status->body;
  // The registry record says so at the next heartbeat.
  auto registry = registry::DirectoryRegistry::open(config.registry_dir);
  ASSERT_TRUE(registry.is_ok());
  bool recorded = false;
  for (int i = 0; i < 50 && !recorded; ++i) {
    auto pumps = (*registry)->list(registry::NodeKind::kPump);
    recorded = pumps.is_ok() && !pumps->empty() &&
               pumps->front().label_json.find("storage_error") != std::string::npos;
    if (!recorded) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(recorded);

  // Space returns: the pump writes again by itself.
  std::filesystem::remove(filler);
  grpc::Status again = grpc::Status(grpc::StatusCode::UNKNOWN, "not tried");
  if (unfinished_commit) {
    // As TiDB does, the commit binlog of a committed transaction is sent until it is taken.
    for (int i = 0; i < 300 && !again.ok(); ++i) {
      again = write(*stub, *unfinished_commit);
      if (!again.ok()) std::this_thread::sleep_for(milliseconds(100));
    }
    ASSERT_TRUE(again.ok()) << again.error_message();
    acknowledged.insert(unfinished_commit->commit_ts());
    again = grpc::Status(grpc::StatusCode::UNKNOWN, "not tried");
  }
  binlog::Binlog prewrite;
  prewrite.set_tp(binlog::Prewrite);
  prewrite.set_start_ts(++ts);
  prewrite.set_prewrite_value("after");
  for (int i = 0; i < 300 && !again.ok(); ++i) {
    again = write(*stub, prewrite);
    if (!again.ok()) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(again.ok()) << again.error_message();
  binlog::Binlog commit;
  commit.set_tp(binlog::Commit);
  commit.set_start_ts(prewrite.start_ts());
  commit.set_commit_ts(++ts);
  ASSERT_TRUE(write(*stub, commit).ok());
  acknowledged.insert(commit.commit_ts());
  status = http.Get("/status");
  ASSERT_TRUE(status);
  EXPECT_FALSE(nlohmann::json::parse(status->body).contains("StorageError")) << status->body;

  // Every acknowledged binlog is there.
  std::set<int64_t> pulled;
  int64_t after = 0;
  while (true) {
    auto read = node_->store().read(after, 16, 64 << 20);
    ASSERT_TRUE(read.is_ok()) << read.status().to_string();
    if (read->binlogs.empty()) break;
    for (const auto& stored : read->binlogs) {
      if (stored.start_ts != stored.commit_ts) pulled.insert(stored.commit_ts);
      after = stored.commit_ts;
    }
  }
  for (int64_t committed : acknowledged)
    EXPECT_EQ(pulled.count(committed), 1u) << committed << " was acknowledged and is gone";
}

}  // namespace
}  // namespace sluice::pump
