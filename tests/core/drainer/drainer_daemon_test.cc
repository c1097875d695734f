// The sluice-drainer binary as a child process: SIGKILL in the middle of a stream, restart, and
// the sink has every transaction, in order, with repeats only after the checkpoint and in safe
// mode; SIGTERM stops cleanly (consistent checkpoint); --check-config; the original's flags.
#include <gtest/gtest.h>

#include <fstream>

#include "core/checkpoint/checkpoint.h"
#include "core/common/atomic_file.h"
#include "plugins/file/binlog_file_reader.h"
#include "tests/core/drainer/drainer_cluster.h"
#include "tests/core/drainer/drainer_daemon.h"
#include "tests/support/child_process.h"

namespace sluice::drainer {
namespace {

using std::chrono::seconds;
using test::RecordedLine;
using test::TestCluster;
using test::wait_until;
using testing::ChildProcess;
using testing::ChildProcessOptions;

class DrainerDaemonTest : public ::testing::Test {
 protected:
  std::filesystem::path write_config(const std::string& name, const std::string& extra = "") {
    const auto path = cluster_.path(name + ".toml");
    std::ofstream(path) << cluster_.drainer_toml(name, extra);
    return path;
  }

  std::unique_ptr<ChildProcess> launch(const std::filesystem::path& config,
                                       std::vector<std::string> extra = {}) {
    return test::launch_drainer(config, cluster_.path("drainer.log"), std::move(extra));
  }

  checkpoint::Checkpoint saved(const std::string& name) {
    auto text = read_file(cluster_.path(name) / "savepoint");
    EXPECT_TRUE(text.is_ok());
    auto parsed = checkpoint::from_savepoint_toml(text.value_or(""), "savepoint");
    EXPECT_TRUE(parsed.is_ok());
    return parsed.value_or(checkpoint::Checkpoint{});
  }

  TestCluster cluster_;
};

TEST_F(DrainerDaemonTest, Kill9MidStreamThenRestartLosesNothingAndKeepsOrder) {
  const auto config = write_config("dk");
  auto drainer = launch(config);
  cluster_.create_items_table();
  const auto output = cluster_.output("dk");

  // Writers run while the drainer is killed and restarted.
  std::atomic<bool> stop{false};
  std::set<int64_t> committed;
  std::thread writers([&] { committed = cluster_.insert_rows(1, 1500, 4, &stop); });
  ASSERT_TRUE(wait_until([&] { return test::recorded_ts(output).size() > 200; }, seconds(60)))
      << drainer->log_tail();
  drainer->kill9();
  drainer.reset();
  drainer = launch(config);
  writers.join();
  ASSERT_GT(committed.size(), 200u);
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(60)))
      << drainer->log_tail();

  const auto lines = test::read_recording(output);
  // Split the recording at each open: the runs.
  std::vector<std::vector<RecordedLine>> runs;
  std::vector<int64_t> open_ts;
  std::vector<bool> open_unclean;
  for (const auto& line : lines) {
    if (line.kind == RecordedLine::Kind::kOpen) {
      runs.emplace_back();
      open_ts.push_back(line.commit_ts);
      open_unclean.push_back(line.unclean);
    } else if (line.kind == RecordedLine::Kind::kTransaction) {
      ASSERT_FALSE(runs.empty());
      runs.back().push_back(line);
    }
  }
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_TRUE(open_unclean[1]) << "the restart after kill -9 must be unclean";
  // Each run is in strictly increasing order; the second starts after its checkpoint.
  for (const auto& run : runs) {
    for (size_t i = 1; i < run.size(); ++i)
      ASSERT_LT(run[i - 1].commit_ts, run[i].commit_ts);
  }
  ASSERT_FALSE(runs[1].empty());
  EXPECT_GT(runs[1].front().commit_ts, open_ts[1]);
  // The checkpoint never passed what the first run made durable: nothing lost in between.
  std::set<int64_t> first_run;
  for (const auto& line : runs[0])
    first_run.insert(line.commit_ts);
  for (int64_t ts : committed) {
    if (ts <= open_ts[1]) {
      EXPECT_EQ(first_run.count(ts), 1u) << ts << " lost before the checkpoint";
    }
  }
  // Repeats only after the checkpoint; the replayed run starts in safe mode.
  for (const auto& line : runs[1]) {
    EXPECT_GT(line.commit_ts, open_ts[1]);
    EXPECT_NE(line.flags & 2u, 0u) << "safe mode after an unclean restart";
  }

  // SIGTERM: a clean stop with a consistent checkpoint at the end of the stream.
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
  const auto checkpoint = saved("dk");
  EXPECT_TRUE(checkpoint.consistent);
  EXPECT_GE(checkpoint.commit_ts, *committed.rbegin());
}

TEST_F(DrainerDaemonTest, AnOriginalDrainerTomlRunsUnchanged) {
  // The original's sample keys, db-type = "file", no Sluice keys but the embedded registry's
  // place and the test's ports: the file sink and table filter come from the plugins directory
  // beside the binary.
  const auto path = cluster_.path("original.toml");
  std::ofstream(path) << "addr = \"127.0.0.1:0\"\n"
                      << "data-dir = \"" << cluster_.path("orig").string() << "\"\n"
                      << "detect-interval = 1\n"
                      << "node-id = \"orig\"\n"
                      << "initial-commit-ts = -1\n"
                      << "registry-dir = \"" << cluster_.registry_dir().string() << "\"\n"
                      << "cluster-id = " << test::kClusterId << "\n"
                      << "status-addr = \"127.0.0.1:0\"\n"
                      << "[syncer]\n"
                      << "db-type = \"file\"\n"
                      << "ignore-schemas = \"INFORMATION_SCHEMA,PERFORMANCE_SCHEMA,mysql\"\n"
                      << "txn-batch = 20\nworker-count = 1\nsafe-mode = false\n"
                      << "[syncer.to]\n"
                      << "dir = \"" << cluster_.path("pb").string() << "\"\n";
  auto drainer = launch(path);
  cluster_.create_items_table();
  std::set<int64_t> committed = cluster_.insert_rows(1, 30, 2);
  // Every transaction (and the two DDLs) becomes one record of the original's file format.
  auto records = [&] {
    uint64_t count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(cluster_.path("pb"), error)) {
      if (entry.path().filename().string().rfind("binlog-", 0) != 0) continue;
      auto scan = file::scan_binlog_file(entry.path());
      if (scan.is_ok()) count += scan->records;
    }
    return count;
  };
  ASSERT_TRUE(wait_until([&] { return records() >= committed.size() + 2; }, seconds(30)))
      << records() << " records; " << drainer->log_tail();
  EXPECT_EQ(records(), committed.size() + 2);
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
  EXPECT_TRUE(saved("orig").consistent);
}

TEST_F(DrainerDaemonTest, CheckConfigValidatesEveryPluginOffline) {
  const auto good = write_config("dc");
  ChildProcessOptions options;
  options.argv = {test::drainer_binary().string(), "--check-config", "--config", good.string()};
  options.log_file = cluster_.path("check.log");
  {
    ChildProcess child(options);
    auto status = child.wait_for_exit(seconds(30));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0) << child.log_tail();
  }
  // A plugin config error: journal-sink without its required path.
  const auto bad = cluster_.path("bad.toml");
  {
    std::string text = cluster_.drainer_toml("dc");
    text = text.substr(0, text.find("path = "));
    std::ofstream(bad) << text;
  }
  options.argv = {test::drainer_binary().string(), "-check-config", "-config", bad.string()};
  options.log_file = cluster_.path("check-bad.log");
  ChildProcess child(options);
  auto status = child.wait_for_exit(seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(*status, 0);
  const std::string log = child.log_tail();
  EXPECT_NE(log.find("'path' is required"), std::string::npos) << log;
  // Nothing was started: no checkpoint, no registry record.
  EXPECT_FALSE(std::filesystem::exists(cluster_.path("dc") / "savepoint"));
  EXPECT_FALSE(std::filesystem::exists(cluster_.registry_dir() / "drainers" / "dc.json"));
}

TEST_F(DrainerDaemonTest, BadConfigIsRefusedNamingTheKey) {
  const auto path = cluster_.path("typo.toml");
  std::ofstream(path) << "detect-interval = \"often\"\n";
  ChildProcessOptions options;
  options.argv = {test::drainer_binary().string(), "--config", path.string()};
  options.log_file = cluster_.path("typo.log");
  ChildProcess child(options);
  auto status = child.wait_for_exit(seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(*status, 0);
  EXPECT_NE(child.log_tail().find("detect-interval"), std::string::npos) << child.log_tail();
}

}  // namespace
}  // namespace sluice::drainer
