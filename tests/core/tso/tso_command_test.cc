// `sluice tso`, the command running Sluice's own TSO server, as an operator runs it: against a
// real etcd it serves pdpb.PD/Tso (PdTsoClient gets increasing timestamps and the cluster id) and
// stops cleanly on SIGTERM; with etcd unreachable it exits 1 naming the endpoint.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/common/atomic_file.h"
#include "core/tso/pd_tso_client.h"
#include "tests/support/child_process.h"
#include "tests/support/etcd_server.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace sluice::tso {
namespace {

using std::chrono::seconds;

std::filesystem::path sluice_binary() {
  const char* dir = std::getenv("SLUICE_BINARY_DIR");
  if (dir != nullptr && *dir != '\0') return std::filesystem::path(dir) / "bin" / "sluice";
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" /
         "sluice";
}

TEST(TsoCommand, ServesTimestampsAndStopsOnSigterm) {
  testing::EtcdServer etcd;
  testing::TempDir dir;
  const std::string address = "127.0.0.1:" + std::to_string(testing::free_tcp_port());
  testing::ChildProcess server({.argv = {sluice_binary().string(), "tso", "--etcd-urls",
                                         etcd.client_url(), "--addr", address},
                                .log_file = dir.file("tso.log"),
                                .pipe_stdout = true});
  auto line = server.read_stdout_line(seconds(30));
  ASSERT_TRUE(line.has_value()) << server.log_tail();
  EXPECT_NE(line->find("serving pdpb.PD/Tso on " + address), std::string::npos) << *line;

  auto client = PdTsoClient::create(address);
  ASSERT_TRUE(client.is_ok()) << client.status().to_string();
  auto first = (*client)->next();  // retried by the client until this server leads
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto second = (*client)->next();
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_LT(*first, *second);
  auto cluster_id = (*client)->cluster_id();
  ASSERT_TRUE(cluster_id.is_ok());
  EXPECT_NE(*cluster_id, 0u);
  EXPECT_NE(line->find("cluster id " + std::to_string(*cluster_id)), std::string::npos) << *line;

  const int status = server.terminate(seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << server.log_tail();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server.log_tail();
}

TEST(TsoCommand, AnUnreachableEtcdIsAClearError) {
  testing::TempDir dir;
  const std::string etcd = "127.0.0.1:" + std::to_string(testing::free_tcp_port());
  testing::ChildProcess server({.argv = {sluice_binary().string(), "tso", "--etcd-urls",
                                         "http://" + etcd, "--addr", "127.0.0.1:0"},
                                .log_file = dir.file("tso.log")});
  const auto status = server.wait_for_exit(seconds(60));
  ASSERT_TRUE(status.has_value() && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_NE(read_file(dir.file("tso.log"))->find(etcd), std::string::npos) << server.log_tail();
}

}  // namespace
}  // namespace sluice::tso
