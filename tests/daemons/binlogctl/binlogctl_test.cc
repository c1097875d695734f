// sluice-binlogctl's commands on both registries: against the embedded directory registry, a
// real etcd, a real HTTP endpoint for pause/offline and Sluice's TSO service as PD for
// generate_meta; plus the binary itself run as an operator would.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/common/atomic_file.h"
#include "core/config/encrypted_secret.h"
#include "core/net/http_server.h"
#include "core/registry/directory_registry.h"
#include "core/registry/etcd_registry.h"
#include "core/tso/tso_server.h"
#include "daemons/binlogctl/binlogctl.h"
#include "tests/support/child_process.h"
#include "tests/support/etcd_server.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace sluice::binlogctl {
namespace {

using registry::NodeKind;
using registry::NodeStatus;
using sluice::testing::EtcdServer;
using sluice::testing::TempDir;

NodeStatus node(const std::string& id, const std::string& state, const std::string& host) {
  NodeStatus status;
  status.node_id = id;
  status.host = host;
  status.state = state;
  status.max_commit_ts = 7;
  status.update_ts = 9;
  return status;
}

std::string record(const std::string& id, const std::string& state, const std::string& host) {
  return fmt::format(
      R"({{"nodeId":"{}","host":"{}","state":"{}","isAlive":true,"score":0,"label":null,)"
      R"("maxCommitTS":7,"updateTS":9}})",
      id, host, state);
}

TEST(Binlogctl, ListsNodesHidingOfflineOnesUnlessAsked) {
  TempDir dir;
  auto registry = registry::DirectoryRegistry::open(dir.path()).value();
  ASSERT_TRUE(registry->put(NodeKind::kPump, node("p2", "offline", "h:2")).is_ok());
  ASSERT_TRUE(registry->put(NodeKind::kPump, node("p1", "online", "h:1")).is_ok());
  ASSERT_TRUE(registry->put(NodeKind::kDrainer, node("d1", "paused", "h:3")).is_ok());

  Options options{.cmd = "pumps", .registry_dir = dir.path().string()};
  auto listed = run(options);
  ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
  EXPECT_EQ(*listed, record("p1", "online", "h:1") + "\n");
  options.show_offline_nodes = true;
  EXPECT_EQ(*run(options),
            record("p1", "online", "h:1") + "\n" + record("p2", "offline", "h:2") + "\n");
  options.cmd = "drainers";
  EXPECT_EQ(*run(options), record("d1", "paused", "h:3") + "\n");
}

TEST(Binlogctl, UpdatePumpRewritesTheStateInEtcd) {
  EtcdServer etcd;
  auto registry = registry::EtcdRegistry::open(etcd.client_url()).value();
  ASSERT_TRUE(registry->create(NodeKind::kPump, node("p1", "online", "h:1")).is_ok());
  Options options{
      .cmd = "update-pump", .pd_urls = etcd.client_url(), .node_id = "p1", .state = "offline"};
  auto updated = run(options);
  ASSERT_TRUE(updated.is_ok()) << updated.status().to_string();
  auto raw = registry->client().range("/tidb-binlog/v1/pumps/p1");
  ASSERT_TRUE(raw.is_ok() && raw->kvs_size() == 1);
  EXPECT_EQ(raw->kvs(0).value(), record("p1", "offline", "h:1"));

  EXPECT_EQ(*run({.cmd = "pumps", .pd_urls = etcd.client_url()}), "");
  EXPECT_EQ(*run({.cmd = "pumps", .pd_urls = etcd.client_url(), .show_offline_nodes = true}),
            record("p1", "offline", "h:1") + "\n");

  options.state = "gone";
  auto bad = run(options);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("-state 'gone'"), std::string::npos);
  options.state = "online";
  options.node_id = "nobody";
  auto missing = run(options);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "update-pump: pump nobody is not registered");
}

TEST(Binlogctl, UnreachableEtcdNamesTheEndpoint) {
  const auto dead = sluice::testing::free_tcp_port();
  auto listed = run(
      {.cmd = "drainers", .pd_urls = fmt::format("http://127.0.0.1:{}", dead), .timeout_ms = 500});
  ASSERT_FALSE(listed.is_ok());
  EXPECT_EQ(listed.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(listed.status().message().find(fmt::format("127.0.0.1:{}", dead)), std::string::npos)
      << listed.status().message();
}

TEST(Binlogctl, PauseAndOfflineCallTheNodesStateEndpoint) {
  net::HttpServer http;
  std::mutex mutex;
  std::vector<std::string> calls;
  http.handle_put(R"(/state/([^/]+)/(pause|close))", [&](const auto& request, auto& response) {
    std::lock_guard guard(mutex);
    calls.push_back(request.path);
    response.set_content("{\"message\":\"ok\"}", "application/json");
  });
  ASSERT_TRUE(http.start("127.0.0.1", 0).is_ok());

  TempDir dir;
  auto registry = registry::DirectoryRegistry::open(dir.path()).value();
  // Sluice daemons serve HTTP on the registered gRPC port + 1.
  const std::string grpc_host = fmt::format("127.0.0.1:{}", http.port() - 1);
  ASSERT_TRUE(registry->put(NodeKind::kPump, node("p1", "online", grpc_host)).is_ok());

  auto paused = run({.cmd = "pause-pump", .registry_dir = dir.path().string(), .node_id = "p1"});
  ASSERT_TRUE(paused.is_ok()) << paused.status().to_string();
  EXPECT_EQ(*paused, "{\"message\":\"ok\"}\n");
  auto closed = run({.cmd = "offline-drainer",
                     .registry_dir = dir.path().string(),
                     .node_id = "d9",
                     .http_addr = fmt::format("127.0.0.1:{}", http.port())});
  ASSERT_TRUE(closed.is_ok()) << closed.status().to_string();
  {
    std::lock_guard guard(mutex);
    EXPECT_EQ(calls, (std::vector<std::string>{"/state/p1/pause", "/state/d9/close"}));
  }

  const auto dead = sluice::testing::free_tcp_port();
  auto refused = run({.cmd = "offline-pump",
                      .registry_dir = dir.path().string(),
                      .node_id = "p1",
                      .http_addr = fmt::format("127.0.0.1:{}", dead),
                      .timeout_ms = 500});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(
      refused.status().message().find(fmt::format("PUT http://127.0.0.1:{}/state/p1/close", dead)),
      std::string::npos)
      << refused.status().message();
  auto unknown =
      run({.cmd = "pause-drainer", .registry_dir = dir.path().string(), .node_id = "nobody"});
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST(Binlogctl, GenerateMetaWritesTheSavepointFromTheTso) {
  EtcdServer etcd;
  tso::TsoServerOptions tso_options;
  tso_options.etcd_urls = etcd.client_url();
  tso_options.lease_ttl_seconds = 2;
  tso_options.now_ms = [] { return int64_t{1'000'000}; };
  auto server = tso::TsoServer::start(tso_options);
  ASSERT_TRUE(server.is_ok()) << server.status().to_string();
  for (int i = 0; i < 200 && !(*server)->is_leader(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE((*server)->is_leader());

  TempDir dir;
  const auto data_dir = dir.file("meta");
  auto written = run({.cmd = "generate_meta",
                      .pd_urls = "http://" + (*server)->address(),
                      .data_dir = data_dir.string()});
  ASSERT_TRUE(written.is_ok()) << written.status().to_string();
  // The first timestamp at 1'000'000 ms: 1'000'000 << 18 | 1.
  auto savepoint = read_file(data_dir / "savepoint");
  ASSERT_TRUE(savepoint.is_ok());
  EXPECT_NE(savepoint->find("commitTS = 262144000001\n"), std::string::npos) << *savepoint;
}

TEST(Binlogctl, UnknownCommandsAreRefused) {
  auto unknown = run({.cmd = "pumpz"});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("unknown -cmd 'pumpz'"), std::string::npos);
}

// A 32-byte AES key in hex (AES-256), the form BINLOG_SECRET_KEY takes.
constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(Binlogctl, EncryptNeedsTheKeyAndTheText) {
  ::unsetenv("BINLOG_SECRET_KEY");
  auto no_key = run({.cmd = "encrypt", .text = "s3cret-pw"});
  ASSERT_FALSE(no_key.is_ok());
  EXPECT_NE(no_key.status().message().find("BINLOG_SECRET_KEY"), std::string::npos)
      << no_key.status().message();
  EXPECT_EQ(no_key.status().message().find("s3cret-pw"), std::string::npos);
  auto no_text = run({.cmd = "encrypt"});
  ASSERT_FALSE(no_text.is_ok());
  EXPECT_NE(no_text.status().message().find("-text is required"), std::string::npos);
}

TEST(BinlogctlBinary, EncryptPrintsWhatDecryptsBackWithTheKey) {
  ::unsetenv("BINLOG_SECRET_KEY");
  TempDir dir;
  const auto out = dir.file("encrypted.txt");
  sluice::testing::ChildProcess child(
      {.argv = {BINLOGCTL_BINARY, "-cmd", "encrypt", "-text", "s3cret-pw"},
       .extra_env = {std::string("BINLOG_SECRET_KEY=") + kKeyHex},
       .log_file = out});
  const auto status = child.wait_for_exit(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value() && WIFEXITED(*status));
  ASSERT_EQ(WEXITSTATUS(*status), 0) << *read_file(out);
  std::string printed = *read_file(out);
  ASSERT_TRUE(!printed.empty() && printed.back() == '\n') << printed;
  printed.pop_back();
  EXPECT_EQ(printed.find("s3cret-pw"), std::string::npos);
  auto key = config::SecretKey::from_hex(kKeyHex);
  ASSERT_TRUE(key.is_ok());
  auto decrypted = config::decrypt_secret(printed, *key);
  ASSERT_TRUE(decrypted.is_ok()) << decrypted.status().to_string();
  EXPECT_EQ(*decrypted, "s3cret-pw");
  // A wrong key does not give the text back (CFB has no integrity check, so no error either).
  auto other = config::SecretKey::from_hex(std::string(64, 'a'));
  ASSERT_TRUE(other.is_ok());
  auto garbled = config::decrypt_secret(printed, *other);
  EXPECT_TRUE(!garbled.is_ok() || *garbled != "s3cret-pw");

  const auto err = dir.file("err.txt");
  sluice::testing::ChildProcess keyless(
      {.argv = {BINLOGCTL_BINARY, "-cmd", "encrypt", "-text", "s3cret-pw"}, .log_file = err});
  const auto failed = keyless.wait_for_exit(std::chrono::seconds(30));
  ASSERT_TRUE(failed.has_value() && WIFEXITED(*failed));
  EXPECT_EQ(WEXITSTATUS(*failed), 1);
  EXPECT_NE(read_file(err)->find("BINLOG_SECRET_KEY"), std::string::npos) << *read_file(err);
}

TEST(BinlogctlBinary, PrintsRecordsWithTheOriginalsFlags) {
  TempDir dir;
  auto registry = registry::DirectoryRegistry::open(dir.file("registry")).value();
  ASSERT_TRUE(registry->put(NodeKind::kPump, node("p1", "online", "h:1")).is_ok());
  const auto log = dir.file("out.txt");
  sluice::testing::ChildProcess child(
      {.argv = {BINLOGCTL_BINARY, "-cmd", "pumps", "-registry-dir", dir.file("registry").string()},
       .log_file = log});
  const auto status = child.wait_for_exit(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value() && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(*read_file(log), record("p1", "online", "h:1") + "\n");

  const auto err_log = dir.file("err.txt");
  sluice::testing::ChildProcess failing(
      {.argv = {BINLOGCTL_BINARY, "-cmd", "update-pump", "-registry-dir",
                dir.file("registry").string(), "-node-id", "p1", "-state", "bad"},
       .log_file = err_log});
  const auto failed = failing.wait_for_exit(std::chrono::seconds(30));
  ASSERT_TRUE(failed.has_value() && WIFEXITED(*failed));
  EXPECT_EQ(WEXITSTATUS(*failed), 1);
  EXPECT_NE(read_file(err_log)->find("sluice-binlogctl: update-pump: -state 'bad'"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::binlogctl
