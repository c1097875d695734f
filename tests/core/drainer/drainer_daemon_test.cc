// The sluice-drainer binary as a child process: SIGKILL in the middle of a stream, restart, and
// the sink has every transaction, in order, with repeats only after the checkpoint and in safe
// mode; SIGTERM stops cleanly (consistent checkpoint); --check-config; the original's flags.
#include <gtest/gtest.h>
#include <signal.h>

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
  std::filesystem::path write_config(const std::string& name, const std::string& extra = "",
                                     const std::string& sink_extra = "") {
    const auto path = cluster_.path(name + ".toml");
    std::ofstream(path) << cluster_.drainer_toml(name, extra, sink_extra);
    return path;
  }

  std::unique_ptr<ChildProcess> launch(const std::filesystem::path& config,
                                       std::vector<std::string> extra = {}) {
    return test::launch_drainer(config, cluster_.path("drainer.log"), std::move(extra));
  }

  // The items table and 20 rows (one writer), waited for until `name`'s sink has them all.
  std::set<int64_t> replicate_first_rows(const std::string& name, ChildProcess& drainer) {
    cluster_.create_items_table();
    std::set<int64_t> first = cluster_.insert_rows(1, 20, 1);
    EXPECT_TRUE(
        wait_until([&] { return test::recorded_all(cluster_.output(name), first); }, seconds(30)))
        << drainer.log_tail();
    return first;
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

// SIGTERM while the downstream is gone (the sink answers RETRY forever): the stop gives up on the
// sink after stop-timeout, saves the checkpoint at what is durable and exits.
TEST_F(DrainerDaemonTest, SigtermDuringADownstreamOutageFinishesWithinTheStopTimeout) {
  const auto config =
      write_config("dout", "stop-timeout = \"2s\"\n", "unavailable-after-transactions = 22\n");
  auto drainer = launch(config);
  const std::set<int64_t> first = replicate_first_rows("dout", *drainer);  // after two DDLs
  std::set<int64_t> stuck = cluster_.insert_rows(21, 10, 1);
  // The outage is under way: the sink's write is being retried.
  ASSERT_TRUE(wait_until(
      [&] { return drainer->log_tail(20000).find("simulated outage") != std::string::npos; },
      seconds(30)))
      << drainer->log_tail();
  ASSERT_EQ(::kill(drainer->pid(), SIGTERM), 0);
  auto exited = drainer->wait_for_exit(seconds(20));
  ASSERT_TRUE(exited.has_value()) << "still running 20 s after SIGTERM: " << drainer->log_tail();
  EXPECT_NE(drainer->log_tail(20000).find("stop-timeout"), std::string::npos)
      << drainer->log_tail();
  const auto checkpoint = saved("dout");
  EXPECT_FALSE(checkpoint.consistent);
  EXPECT_GE(checkpoint.commit_ts, *first.rbegin());
  EXPECT_LT(checkpoint.commit_ts, *stuck.begin());
}

// A sink stuck inside a call that never returns: the stop still ends, bounded, and a second
// signal ends the process at once.
TEST_F(DrainerDaemonTest, AStuckSinkCannotHoldTheStopAndASecondSignalExitsAtOnce) {
  const auto config =
      write_config("dhang", "stop-timeout = \"60s\"\n", "hang-after-transactions = 22\n");
  auto drainer = launch(config);
  const std::set<int64_t> first = replicate_first_rows("dhang", *drainer);
  cluster_.insert_rows(21, 5, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the write is stuck by now
  ASSERT_EQ(::kill(drainer->pid(), SIGTERM), 0);
  // The stop waits for the stuck sink (stop-timeout is a minute)...
  EXPECT_FALSE(drainer->wait_for_exit(std::chrono::milliseconds(1500)).has_value());
  // ...until a second signal.
  ASSERT_EQ(::kill(drainer->pid(), SIGTERM), 0);
  auto exited = drainer->wait_for_exit(seconds(5));
  ASSERT_TRUE(exited.has_value()) << drainer->log_tail();
  EXPECT_NE(drainer->log_tail(20000).find("second signal"), std::string::npos)
      << drainer->log_tail();
  const auto checkpoint = saved("dhang");
  EXPECT_GE(checkpoint.commit_ts, *first.rbegin());
}

TEST_F(DrainerDaemonTest, AStuckSinkIsAbandonedAfterTheStopTimeout) {
  const auto config =
      write_config("dhang2", "stop-timeout = \"1s\"\n", "hang-after-transactions = 22\n");
  auto drainer = launch(config);
  const std::set<int64_t> first = replicate_first_rows("dhang2", *drainer);
  std::set<int64_t> stuck = cluster_.insert_rows(21, 5, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(::kill(drainer->pid(), SIGTERM), 0);
  auto exited = drainer->wait_for_exit(seconds(30));
  ASSERT_TRUE(exited.has_value()) << drainer->log_tail();
  EXPECT_NE(drainer->log_tail(20000).find("sink 'rec'"), std::string::npos) << drainer->log_tail();
  const auto checkpoint = saved("dhang2");
  EXPECT_FALSE(checkpoint.consistent);
  EXPECT_GE(checkpoint.commit_ts, *first.rbegin());
  EXPECT_LT(checkpoint.commit_ts, *stuck.begin());
}

// A pump joins while the drainer cannot answer Notify (stopped with SIGSTOP) and discovery is
// slow: the pump takes no prewrite until the drainer has acknowledged it, so every transaction
// the SQL node commits through it reaches the sink.
TEST_F(DrainerDaemonTest, APumpJoiningWhileNotifyFailsLosesNothing) {
  // Discovery by polling comes only every 20 s: the drainer must learn of the pump from Notify.
  const auto config = write_config("djoin", "detect-interval = \"20s\"\n");
  auto drainer = launch(config);
  cluster_.create_items_table();
  std::set<int64_t> committed = cluster_.insert_rows(1, 10, 1);
  const auto output = cluster_.output("djoin");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)))
      << drainer->log_tail();

  ASSERT_EQ(::kill(drainer->pid(), SIGSTOP), 0);
  auto late = cluster_.start_extra_pump("pump-late");
  auto directory = std::make_shared<producer::StaticPumpDirectory>(std::vector<producer::PumpInfo>{
      {"pump-late", "127.0.0.1:" + std::to_string(late->grpc_port()), "online"}});
  producer::PumpClientOptions options;
  options.cluster_id = test::kClusterId;
  options.write_timeout = std::chrono::seconds(60);
  auto client = producer::PumpClient::create(directory, options);
  ASSERT_TRUE(client.is_ok()) << client.status().to_string();
  producer::Producer late_producer(cluster_.tso(), **client);
  std::set<int64_t> through_late;
  std::thread writer([&] {
    for (int64_t id = 1000; id < 1010; ++id) {
      producer::TransactionBuilder txn(cluster_.catalog());
      ASSERT_TRUE(txn.insert("shop", "items", {{"id", id}, {"name", "late"}, {"qty", 1}}).is_ok());
      // The joining pump refuses prewrites until the drainer knows it; the SQL node tries again
      // (a real one would use another pump).
      auto done = late_producer.commit(txn);
      const auto deadline = std::chrono::steady_clock::now() + seconds(60);
      while (!done.is_ok() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        done = late_producer.commit(txn);
      }
      ASSERT_TRUE(done.is_ok()) << done.status().to_string();
      through_late.insert(done->commit_ts);
    }
  });
  // The drainer misses Notify (its 3 s deadline passes), then merges on: its next poll of the
  // registry is more than 10 s away.
  std::this_thread::sleep_for(seconds(4));
  ASSERT_EQ(::kill(drainer->pid(), SIGCONT), 0);
  writer.join();
  std::set<int64_t> after = cluster_.insert_rows(11, 10, 1);
  committed.insert(after.begin(), after.end());
  committed.insert(through_late.begin(), through_late.end());
  ASSERT_EQ(through_late.size(), 10u);
  EXPECT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)))
      << drainer->log_tail();
  const auto ts = test::recorded_ts(output);
  for (size_t i = 1; i < ts.size(); ++i)
    ASSERT_LT(ts[i - 1], ts[i]);
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
}

}  // namespace
}  // namespace sluice::drainer
