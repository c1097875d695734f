// The sluice-pump binary as a child process: flags and config, pause over HTTP, and a SIGKILL in
// the middle of concurrent writes after which every acknowledged binlog is pulled back; with
// [security], mutual TLS on both ports and a clear refusal of unusable certificate files.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/net/grpc_tls.h"
#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/tso/embedded_tso.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sluice::pump {
namespace {

using std::chrono::milliseconds;
using testing::ChildProcess;
using testing::ChildProcessOptions;

constexpr uint64_t kClusterId = 99;

std::filesystem::path pump_binary() {
  const char* dir = std::getenv("SLUICE_BINARY_DIR");
  if (dir != nullptr && *dir != '\0') return std::filesystem::path(dir) / "bin" / "sluice-pump";
  // Run by hand: the binary sits in <build>/bin beside this test's <build>/tests.
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" /
         "sluice-pump";
}

std::string prewrite(int64_t start_ts) {
  binlog::Binlog b;
  b.set_tp(binlog::Prewrite);
  b.set_start_ts(start_ts);
  b.set_prewrite_key("k");
  b.set_prewrite_value(std::string(200, 'v'));
  return b.SerializeAsString();
}

std::string second_half(binlog::BinlogType type, int64_t start_ts, int64_t commit_ts) {
  binlog::Binlog b;
  b.set_tp(type);
  b.set_start_ts(start_ts);
  b.set_commit_ts(commit_ts);
  return b.SerializeAsString();
}

class PumpDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc_port_ = testing::free_tcp_port();
    http_port_ = testing::free_tcp_port();
    std::ofstream file(dir_.file("pump.toml"));
    file << "addr = \"127.0.0.1:" << grpc_port_ << "\"\n"
         << "status-addr = \"127.0.0.1:" << http_port_ << "\"\n"
         << "data-dir = \"" << dir_.file("data").string() << "\"\n"
         << "registry-dir = \"" << dir_.file("registry").string() << "\"\n"
         << "cluster-id = " << kClusterId << "\n"
         << "node-id = \"pump-daemon\"\n"
         << "[storage]\nstop-write-at-available-space = 0\n";
  }

  std::unique_ptr<ChildProcess> launch(std::vector<std::string> extra = {}) {
    ChildProcessOptions options;
    options.argv = {pump_binary().string(), "-config", dir_.file("pump.toml").string(), "-L",
                    "info"};
    for (auto& argument : extra)
      options.argv.push_back(std::move(argument));
    options.log_file = dir_.file("pump.log");
    options.pipe_stdout = true;
    auto child = std::make_unique<ChildProcess>(options);
    // The daemon prints one line once it serves; connecting alone could reuse a dead
    // predecessor's connection state.
    auto line = child->read_stdout_line(std::chrono::seconds(30));
    EXPECT_TRUE(line.has_value() && line->find("serving gRPC") != std::string::npos)
        << child->log_tail();
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channel_ = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                         grpc::InsecureChannelCredentials(), arguments);
    EXPECT_TRUE(
        channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)));
    EXPECT_TRUE(child->is_running()) << child->log_tail();
    stub_ = binlog::Pump::NewStub(channel_);
    return child;
  }

  bool write(const std::string& payload, std::string* error = nullptr) {
    binlog::WriteBinlogReq request;
    request.set_clusterid(kClusterId);
    request.set_payload(payload);
    binlog::WriteBinlogResp response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status status = stub_->WriteBinlog(&context, request, &response);
    if (error != nullptr) *error = status.error_message();
    return status.ok() && response.errmsg().empty();
  }

  // Every real commit ts pulled after 0 until `wanted` are all present or the timeout passes.
  std::set<int64_t> pull_until(const std::set<int64_t>& wanted, milliseconds timeout) {
    binlog::PullBinlogReq request;
    request.set_clusterid(kClusterId);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    auto reader = stub_->PullBinlogs(&context, request);
    std::set<int64_t> seen;
    size_t found = 0;
    int64_t previous = 0;
    binlog::PullBinlogResp response;
    while (found < wanted.size() && reader->Read(&response)) {
      const auto& meta = response.entity().meta();
      EXPECT_GT(meta.committs(), previous);
      previous = meta.committs();
      if (meta.startts() == meta.committs()) continue;  // fake
      seen.insert(meta.committs());
      if (wanted.count(meta.committs()) != 0) ++found;
    }
    context.TryCancel();
    (void)reader->Finish();
    return seen;
  }

  testing::TempDir dir_{"pump-daemon-test-"};
  uint16_t grpc_port_ = 0;
  uint16_t http_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<binlog::Pump::Stub> stub_;
};

TEST_F(PumpDaemonTest, VersionFlag) {
  ChildProcessOptions options;
  options.argv = {pump_binary().string(), "-version"};
  options.log_file = dir_.file("version.log");
  ChildProcess child(options);
  auto status = child.wait_for_exit(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_NE(child.log_tail().find("sluice-pump"), std::string::npos);
}

TEST_F(PumpDaemonTest, BadConfigFailsClearly) {
  std::ofstream(dir_.file("bad.toml")) << "gc = -3\n";
  ChildProcessOptions options;
  options.argv = {pump_binary().string(), "--config", dir_.file("bad.toml").string()};
  options.log_file = dir_.file("bad.log");
  ChildProcess child(options);
  auto status = child.wait_for_exit(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
  EXPECT_NE(child.log_tail().find("gc"), std::string::npos) << child.log_tail();
}

TEST_F(PumpDaemonTest, PauseOverHttpExitsPausedAndSecondPumpIsRefused) {
  auto pump = launch();
  {
    // The data dir is locked: a second pump (other ports) refuses to start.
    ChildProcessOptions options;
    options.argv = {pump_binary().string(),
                    "-config",
                    dir_.file("pump.toml").string(),
                    "-addr",
                    "127.0.0.1:" + std::to_string(testing::free_tcp_port()),
                    "--status-addr",
                    "127.0.0.1:" + std::to_string(testing::free_tcp_port())};
    options.log_file = dir_.file("second.log");
    ChildProcess second(options);
    auto status = second.wait_for_exit(std::chrono::seconds(20));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
    EXPECT_NE(second.log_tail().find("in use by another pump"), std::string::npos)
        << second.log_tail();
  }
  httplib::Client http("127.0.0.1", http_port_);
  auto put = http.Put("/state/pump-daemon/pause", "", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200);
  auto status = pump->wait_for_exit(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << pump->log_tail();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << pump->log_tail();
  std::ifstream record(dir_.file("registry") / "pumps" / "pump-daemon.json");
  std::string json((std::istreambuf_iterator<char>(record)), std::istreambuf_iterator<char>());
  EXPECT_NE(json.find("\"paused\""), std::string::npos) << json;
}

TEST_F(PumpDaemonTest, SigtermEndsPaused) {
  auto pump = launch();
  const int status = pump->terminate(std::chrono::seconds(20));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << pump->log_tail();
  std::ifstream record(dir_.file("registry") / "pumps" / "pump-daemon.json");
  std::string json((std::istreambuf_iterator<char>(record)), std::istreambuf_iterator<char>());
  EXPECT_NE(json.find("\"paused\""), std::string::npos) << json;
}

TEST_F(PumpDaemonTest, EveryAcknowledgedBinlogSurvivesKill9) {
  auto pump = launch();
  auto tso = tso::EmbeddedTso::open(dir_.file("registry") / "tso");
  ASSERT_TRUE(tso.is_ok()) << tso.status().to_string();

  std::mutex mutex;
  std::set<int64_t> acknowledged;  // commit ts of acknowledged commits
  // P acknowledged, C (start_ts, commit_ts) not: the same C is resent after the restart.
  std::vector<std::pair<int64_t, int64_t>> prewritten_only;
  std::vector<int64_t> unacknowledged;  // P not acknowledged: rolled back after the restart
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      while (!stop.load()) {
        const int64_t start_ts = (*tso)->next().value();
        if (!write(prewrite(start_ts))) {
          std::lock_guard lock(mutex);
          unacknowledged.push_back(start_ts);
          break;
        }
        const int64_t commit_ts = (*tso)->next().value();
        if (!write(second_half(binlog::Commit, start_ts, commit_ts))) {
          std::lock_guard lock(mutex);
          prewritten_only.emplace_back(start_ts, commit_ts);
          break;
        }
        std::lock_guard lock(mutex);
        acknowledged.insert(commit_ts);
        ++acks;
      }
    });
  }
  while (acks.load() < 200 && pump->is_running())
    std::this_thread::sleep_for(milliseconds(5));
  pump->kill9();
  stop = true;
  for (auto& writer : writers)
    writer.join();
  ASSERT_GE(acknowledged.size(), 200u);

  pump = launch();
  // What TiDB does: retry the commit of an acknowledged prewrite, give up the others.
  for (const auto& [start_ts, commit_ts] : prewritten_only) {
    std::string error;
    EXPECT_TRUE(write(second_half(binlog::Commit, start_ts, commit_ts), &error)) << error;
    acknowledged.insert(commit_ts);
  }
  for (int64_t start_ts : unacknowledged) {
    std::string error;
    EXPECT_TRUE(write(second_half(binlog::Rollback, start_ts, 0), &error)) << error;
  }
  std::set<int64_t> pulled = pull_until(acknowledged, milliseconds(20000));
  size_t missing = 0;
  for (int64_t ts : acknowledged)
    missing += pulled.count(ts) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged commits";
  EXPECT_EQ(pump->terminate(std::chrono::seconds(20)), 0) << pump->log_tail();
}

// The daemon with [security] and cert-allowed-cn = ["tidb"]: a client with a "tidb" certificate
// writes over TLS and reads /status over HTTPS; other names, plaintext and no certificate are
// refused; SIGTERM still ends it cleanly.
TEST_F(PumpDaemonTest, SecurityServesMutualTlsOnBothPorts) {
  // OpenSSL's writes raise SIGPIPE when the pump has refused the handshake and hung up.
  std::signal(SIGPIPE, SIG_IGN);
  testing::TestCertificateAuthority ca(dir_.path(), "test");
  const testing::CertificateFiles server = ca.issue_server("pump", "pump");
  const testing::CertificateFiles tidb = ca.issue_client("tidb", "tidb");
  const testing::CertificateFiles other = ca.issue_client("other", "other");
  {
    std::ofstream file(dir_.file("pump.toml"), std::ios::app);
    file << "[security]\nssl-ca = \"" << ca.ca_file().string() << "\"\nssl-cert = \""
         << server.cert.string() << "\"\nssl-key = \"" << server.key.string()
         << "\"\ncert-allowed-cn = [\"tidb\"]\n";
  }
  ChildProcessOptions options;
  options.argv = {pump_binary().string(), "-config", dir_.file("pump.toml").string()};
  options.log_file = dir_.file("pump.log");
  options.pipe_stdout = true;
  ChildProcess pump(options);
  auto line = pump.read_stdout_line(std::chrono::seconds(30));
  ASSERT_TRUE(line.has_value() && line->find("serving gRPC") != std::string::npos)
      << pump.log_tail();

  auto write_with = [&](std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = binlog::Pump::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(grpc_port_), std::move(credentials), arguments));
    binlog::WriteBinlogReq request;
    request.set_clusterid(kClusterId);
    request.set_payload(prewrite(1000));
    binlog::WriteBinlogResp response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->WriteBinlog(&context, request, &response);
  };
  auto credentials_of = [&](const testing::CertificateFiles& files) {
    return net::make_channel_credentials(ca.tls_material(files));
  };

  grpc::Status allowed = write_with(credentials_of(tidb));
  EXPECT_TRUE(allowed.ok()) << allowed.error_code() << " " << allowed.error_message();
  grpc::Status refused = write_with(credentials_of(other));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(refused.error_message().find("\"other\" is not in cert-allowed-cn"), std::string::npos)
      << refused.error_message();
  EXPECT_EQ(write_with(grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  auto https = [&](const testing::CertificateFiles* files) {
    auto client = files != nullptr
                      ? std::make_unique<httplib::SSLClient>(
                            "127.0.0.1", http_port_, files->cert.string(), files->key.string())
                      : std::make_unique<httplib::SSLClient>("127.0.0.1", http_port_);
    client->set_ca_cert_path(ca.ca_file().string().c_str());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(std::chrono::seconds(10));
    return client->Get("/status");
  };
  auto status = https(&tidb);
  ASSERT_TRUE(status) << httplib::to_string(status.error());
  EXPECT_EQ(status->status, 200);
  EXPECT_NE(status->body.find("\"pump-daemon\""), std::string::npos) << status->body;
  auto forbidden = https(&other);
  ASSERT_TRUE(forbidden) << httplib::to_string(forbidden.error());
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_FALSE(https(nullptr));
  httplib::Client plain("127.0.0.1", http_port_);
  plain.set_read_timeout(std::chrono::seconds(10));
  EXPECT_FALSE(plain.Get("/status"));

  EXPECT_EQ(pump.terminate(std::chrono::seconds(20)), 0) << pump.log_tail();
}

TEST_F(PumpDaemonTest, UnusableTlsFileExitsNamingIt) {
  testing::TestCertificateAuthority ca(dir_.path(), "test");
  const testing::CertificateFiles server = ca.issue_server("pump", "pump");
  const testing::CertificateFiles other = ca.issue_client("other", "other");
  {
    std::ofstream file(dir_.file("pump.toml"), std::ios::app);
    file << "[security]\nssl-ca = \"" << ca.ca_file().string() << "\"\nssl-cert = \""
         << server.cert.string() << "\"\nssl-key = \"" << other.key.string() << "\"\n";
  }
  ChildProcessOptions options;
  options.argv = {pump_binary().string(), "-config", dir_.file("pump.toml").string()};
  options.log_file = dir_.file("pump.log");
  ChildProcess pump(options);
  auto status = pump.wait_for_exit(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value()) << pump.log_tail();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << pump.log_tail();
  EXPECT_NE(
      pump.log_tail().find("ssl-key " + other.key.string() +
                           ": does not match the certificate in ssl-cert " + server.cert.string()),
      std::string::npos)
      << pump.log_tail();
}

}  // namespace
}  // namespace sluice::pump
