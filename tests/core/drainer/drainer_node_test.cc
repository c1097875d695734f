// The drainer node in this process against three real pumps: the merge across pumps with an
// idle one, DDL barriers, restart from the checkpoint, sinks answering retry or fatal, a paused
// pump shown on /status, and the HTTP endpoints.
#include "core/drainer/drainer_node.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/checkpoint/checkpoint.h"
#include "core/common/atomic_file.h"
#include "sdk/producer/transaction_builder.h"
#include "tests/core/drainer/drainer_cluster.h"

namespace sluice::drainer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::RecordedLine;
using test::TestCluster;
using test::wait_until;

std::unique_ptr<DrainerNode> start_drainer(const std::string& toml) {
  auto config = parse_drainer_config(toml, "drainer.toml");
  EXPECT_TRUE(config.is_ok()) << config.status().to_string();
  if (!config.is_ok()) return nullptr;
  EXPECT_TRUE(apply_legacy_mapping(*config).is_ok());
  auto node = DrainerNode::start(std::move(config).value());
  EXPECT_TRUE(node.is_ok()) << node.status().to_string();
  return node.is_ok() ? std::move(node).value() : nullptr;
}

nlohmann::json get_json(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  auto response = client.Get(path);
  if (!response || response->status != 200) return nullptr;
  return nlohmann::json::parse(response->body);
}

checkpoint::Checkpoint saved_checkpoint(const std::filesystem::path& data_dir) {
  auto text = read_file(data_dir / "savepoint");
  EXPECT_TRUE(text.is_ok());
  auto parsed = checkpoint::from_savepoint_toml(text.value_or(""), "savepoint");
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  return parsed.value_or(checkpoint::Checkpoint{});
}

void expect_strictly_increasing(const std::vector<int64_t>& ts) {
  for (size_t i = 1; i < ts.size(); ++i) {
    ASSERT_LT(ts[i - 1], ts[i]) << "at line " << i;
  }
}

TEST(DrainerNodeTest, MergesThreePumpsInCommitOrderWithAnIdlePump) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("d1"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 300, 6);
  ASSERT_EQ(committed.size(), 300u);
  // A DDL mid-stream, then more rows that use the new column.
  auto added = cluster.catalog().add_column(
      "shop", "items", {"note", schema::mysql_type::kVarchar, false, false, false, false, 16},
      std::string("none"));
  ASSERT_TRUE(added.is_ok());
  auto ddl = cluster.producer().execute_ddl(*added);
  ASSERT_TRUE(ddl.is_ok());
  std::set<int64_t> more = cluster.insert_rows(301, 100, 3);
  committed.insert(more.begin(), more.end());

  const auto output = cluster.output("d1");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)))
      << "recorded " << test::recorded_ts(output).size() << " of " << committed.size();
  const auto lines = test::read_recording(output);
  const auto txns = test::transactions_of(lines);
  std::vector<int64_t> ts;
  for (const auto& line : txns)
    ts.push_back(line.commit_ts);
  expect_strictly_increasing(ts);
  // Exactly what was committed, plus the three DDLs.
  EXPECT_EQ(txns.size(), committed.size() + 3);
  // Positions count the transactions delivered, from 1.
  for (size_t i = 0; i < txns.size(); ++i)
    EXPECT_EQ(txns[i].position, i + 1);
  // The DDL is a barrier: everything before it was flushed before it was written, and it was
  // flushed on its own.
  size_t ddl_lines = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].kind != RecordedLine::Kind::kTransaction || lines[i].events.rfind("DDL", 0) != 0)
      continue;
    ++ddl_lines;
    ASSERT_GT(i, 0u);
    EXPECT_NE(lines[i - 1].kind, RecordedLine::Kind::kTransaction) << lines[i].events;
    ASSERT_LT(i + 1, lines.size());
    EXPECT_EQ(lines[i + 1].kind, RecordedLine::Kind::kFlush) << lines[i].events;
  }
  EXPECT_EQ(ddl_lines, 3u);
  // Rows after ADD COLUMN carry the new column.
  EXPECT_NE(txns.back().events.find("item-"), std::string::npos);
  EXPECT_EQ(std::count(txns.back().events.begin(), txns.back().events.end(), ','), 3);

  // The checkpoint follows (the idle third pump does not hold it back), and /status says so.
  const int64_t last = *committed.rbegin();
  ASSERT_TRUE(wait_until([&] { return drainer->checkpoint_ts() >= last; }, seconds(10)));
  auto status = get_json(drainer->http_port(), "/status");
  ASSERT_FALSE(status.is_null());
  EXPECT_EQ(status["PumpPos"].size(), 3u);
  EXPECT_TRUE(status["Pumps"].contains("pump-2"));
  EXPECT_GE(status["LastTS"].get<int64_t>(), last);
  EXPECT_TRUE(status["Sinks"].contains("rec"));
  ASSERT_TRUE(wait_until(
      [&] { return get_json(drainer->http_port(), "/status")["Synced"] == true; }, seconds(10)));
  auto commit_ts = get_json(drainer->http_port(), "/commit_ts");
  EXPECT_GE(commit_ts["CommitTS"].get<int64_t>(), last);
  httplib::Client client("127.0.0.1", drainer->http_port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("binlog_drainer_checkpoint_tso"), std::string::npos);
  EXPECT_NE(metrics->body.find("sluice_sink_transactions_total{sink=\"rec\"}"), std::string::npos);
  EXPECT_NE(metrics->body.find("binlog_drainer_event{type=\"Insert\"} 400"), std::string::npos);

  // A clean stop saves consistent = true at what the sink made durable.
  ASSERT_TRUE(drainer->shutdown().is_ok());
  const auto saved = saved_checkpoint(cluster.path("d1"));
  EXPECT_TRUE(saved.consistent);
  EXPECT_GE(saved.commit_ts, last);
  EXPECT_GT(saved.schema_version, 0);
}

TEST(DrainerNodeTest, RestartsFromTheCheckpointWithNothingMissing) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("d2"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 100);
  const auto output = cluster.output("d2");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)));
  ASSERT_TRUE(drainer->shutdown().is_ok());
  drainer.reset();

  // Written while no drainer runs.
  std::set<int64_t> later = cluster.insert_rows(101, 100);
  drainer = start_drainer(cluster.drainer_toml("d2"));
  ASSERT_NE(drainer, nullptr);
  committed.insert(later.begin(), later.end());
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)));
  const auto lines = test::read_recording(output);
  // Two opens; the second is clean and at the first run's checkpoint; no transaction twice.
  std::vector<RecordedLine> opens;
  for (const auto& line : lines)
    if (line.kind == RecordedLine::Kind::kOpen) opens.push_back(line);
  ASSERT_EQ(opens.size(), 2u);
  EXPECT_FALSE(opens[1].unclean);
  EXPECT_GE(opens[1].commit_ts, *std::prev(committed.end(), 101));
  const auto ts = test::recorded_ts(output);
  expect_strictly_increasing(ts);
  // No safe mode after a clean stop.
  for (const auto& line : test::transactions_of(lines))
    EXPECT_EQ(line.flags & 2u, 0u);
}

// A pump that purged binlogs past the drainer's checkpoint: the drainer stops with an error
// naming the pump, its position and the pump's purge point, and counts it; it never goes on past
// the gap.
TEST(DrainerNodeTest, APumpThatPurgedPastTheCheckpointStopsTheDrainerNamingTheGap) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("dp"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 20);
  const auto output = cluster.output("dp");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)));
  ASSERT_TRUE(drainer->shutdown().is_ok());
  drainer.reset();
  const int64_t checkpoint_ts = saved_checkpoint(cluster.path("dp")).commit_ts;

  // Written while no drainer runs, then purged on pump-0 with nothing protecting it.
  cluster.insert_rows(21, 20);
  ASSERT_TRUE(cluster.pump(0).store().gc(std::numeric_limits<int64_t>::max()).is_ok());
  ASSERT_GT(cluster.pump(0).store().purged_ts(), checkpoint_ts + 1);

  drainer = start_drainer(cluster.drainer_toml("dp"));
  ASSERT_NE(drainer, nullptr);
  ASSERT_TRUE(drainer->wait_stop_requested(seconds(30)));
  auto failure = drainer->failure();
  ASSERT_TRUE(failure.has_value());
  const std::string& message = failure->message();
  EXPECT_NE(message.find("pump pump-0"), std::string::npos) << message;
  EXPECT_NE(message.find("after commit_ts " + std::to_string(checkpoint_ts)), std::string::npos)
      << message;
  EXPECT_NE(message.find("gc_ts " + std::to_string(cluster.pump(0).store().gc_ts())),
            std::string::npos)
      << message;
  httplib::Client client("127.0.0.1", drainer->http_port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("binlog_drainer_error_count{type=\"purged_binlog\"} 1"),
            std::string::npos);
  EXPECT_FALSE(drainer->shutdown().is_ok());
  // The checkpoint did not move past the gap.
  EXPECT_EQ(saved_checkpoint(cluster.path("dp")).commit_ts, checkpoint_ts);
}

// The checkpoint store fails for a while (here the savepoint's place is taken by a directory,
// so the atomic rename fails): the drainer logs, counts and retries, replication goes on, and the
// checkpoint catches up once saving works again.
TEST(DrainerNodeTest, AFailingCheckpointSaveIsRetriedWhileReplicationGoesOn) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("dcs"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 20);
  const auto output = cluster.output("dcs");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)));

  const auto savepoint = cluster.path("dcs") / "savepoint";
  std::filesystem::remove(savepoint);
  std::filesystem::create_directories(savepoint / "blocker");
  std::set<int64_t> later = cluster.insert_rows(21, 30);
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, later); }, seconds(30)));
  httplib::Client client("127.0.0.1", drainer->http_port());
  ASSERT_TRUE(wait_until(
      [&] {
        auto metrics = client.Get("/metrics");
        return metrics &&
               metrics->body.find("binlog_drainer_error_count{type=\"save_checkpoint\"}") !=
                   std::string::npos;
      },
      seconds(10)));
  std::this_thread::sleep_for(seconds(1));
  EXPECT_FALSE(drainer->failure().has_value()) << drainer->failure()->to_string();
  EXPECT_FALSE(drainer->stop_requested());

  std::filesystem::remove_all(savepoint);
  ASSERT_TRUE(wait_until(
      [&] {
        auto text = read_file(savepoint);
        if (!text.is_ok()) return false;
        auto parsed = checkpoint::from_savepoint_toml(*text, "savepoint");
        return parsed.is_ok() && parsed->commit_ts >= *later.rbegin();
      },
      seconds(60)));
  ASSERT_TRUE(drainer->shutdown().is_ok());
  EXPECT_TRUE(saved_checkpoint(cluster.path("dcs")).consistent);
}

// A sink that learns of a refused row only when it applies its buffer (at flush) skips that one
// transaction; with skip-rejected the drainer logs and counts it and goes on with everything else;
// without, it stops naming it, the checkpoint before it.
TEST(DrainerNodeTest, ATransactionRefusedAtFlushIsSkippedAloneWithSkipRejected) {
  TestCluster cluster;
  auto drainer = start_drainer(
      cluster.drainer_toml("drj", "skip-rejected = true\n", "reject-at-flush-transaction = 12\n"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 30, 1);
  const auto output = cluster.output("drj");
  // The 12th transaction written is the 10th row (after two DDLs).
  const int64_t refused = *std::next(committed.begin(), 9);
  std::set<int64_t> kept = committed;
  kept.erase(refused);
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, kept); }, seconds(30)));
  const auto ts = test::recorded_ts(output);
  EXPECT_EQ(std::count(ts.begin(), ts.end(), refused), 0);
  EXPECT_FALSE(drainer->failure().has_value());
  httplib::Client client("127.0.0.1", drainer->http_port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("sluice_sink_errors_total{sink=\"rec\",type=\"rejected\"} 1"),
            std::string::npos)
      << metrics->body;
  ASSERT_TRUE(drainer->shutdown().is_ok());
  EXPECT_GE(saved_checkpoint(cluster.path("drj")).commit_ts, *committed.rbegin());
}

TEST(DrainerNodeTest, ATransactionRefusedAtFlushStopsTheDrainerWithoutSkipRejected) {
  TestCluster cluster;
  auto drainer =
      start_drainer(cluster.drainer_toml("drs", "", "reject-at-flush-transaction = 12\n"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 30, 1);
  const int64_t refused = *std::next(committed.begin(), 9);
  ASSERT_TRUE(drainer->wait_stop_requested(seconds(30)));
  ASSERT_TRUE(drainer->failure().has_value());
  const std::string message = drainer->failure()->message();
  EXPECT_NE(message.find("commit_ts " + std::to_string(refused)), std::string::npos) << message;
  EXPECT_NE(message.find("skip-rejected"), std::string::npos) << message;
  EXPECT_FALSE(drainer->shutdown().is_ok());
  EXPECT_LT(saved_checkpoint(cluster.path("drs")).commit_ts, refused);
}

TEST(DrainerNodeTest, ASinkAnsweringRetryGetsTheSameDataAgain) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("d3", "", "retry-first-write = true\n"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 50);
  const auto output = cluster.output("d3");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, committed); }, seconds(30)));
  expect_strictly_increasing(test::recorded_ts(output));
  EXPECT_FALSE(drainer->failure().has_value());
}

TEST(DrainerNodeTest, AFatalSinkStopsTheDrainerWithItsMessageAndKeepsTheCheckpoint) {
  TestCluster cluster;
  // Two DDLs and 20 rows go through; the next write answers FATAL.
  auto drainer = start_drainer(cluster.drainer_toml("d4", "", "fatal-after-transactions = 22\n"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  std::set<int64_t> before = cluster.insert_rows(1, 20, 1);
  const auto output = cluster.output("d4");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, before); }, seconds(30)));
  std::set<int64_t> after = cluster.insert_rows(21, 5, 1);
  ASSERT_TRUE(drainer->wait_stop_requested(seconds(30)));
  auto failure = drainer->failure();
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->message().find("simulated fatal failure"), std::string::npos)
      << failure->message();
  EXPECT_NE(failure->message().find("sink 'rec'"), std::string::npos) << failure->message();
  Status stopped = drainer->shutdown();
  EXPECT_FALSE(stopped.is_ok());
  const auto saved = saved_checkpoint(cluster.path("d4"));
  EXPECT_FALSE(saved.consistent);
  EXPECT_GE(saved.commit_ts, *before.rbegin());
  EXPECT_LT(saved.commit_ts, *after.begin());
  // Nothing after the failure reached the sink.
  const auto ts = test::recorded_ts(output);
  EXPECT_EQ(ts.size(), 22u);
}

TEST(DrainerNodeTest, APausedPumpStallsTheMergeAndShowsOnStatus) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("d5"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  // Pause the idle pump over its HTTP API, as binlogctl would.
  httplib::Client pump_http("127.0.0.1", cluster.pump(2).http_port());
  auto paused = pump_http.Put("/state/pump-2/pause");
  ASSERT_TRUE(paused);
  ASSERT_EQ(paused->status, 200) << paused->body;
  ASSERT_TRUE(cluster.pump(2).wait_stop_requested(seconds(5)));
  ASSERT_TRUE(cluster.pump(2).shutdown().is_ok());
  ASSERT_TRUE(wait_until(
      [&] {
        auto status = get_json(drainer->http_port(), "/status");
        return !status.is_null() && status["Pumps"]["pump-2"]["state"] == "paused";
      },
      seconds(10)));
  // Named once it has been silent for a second while the others' binlogs wait behind it.
  EXPECT_TRUE(wait_until(
      [&] {
        return get_json(drainer->http_port(), "/status")["Stalled"] ==
               nlohmann::json::array({"pump-2"});
      },
      seconds(10)))
      << get_json(drainer->http_port(), "/status").dump();
}

// A plugins directory holding the shipped table-filter and the test's journal sink.
std::filesystem::path mixed_plugins_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& [from, name] : std::vector<std::pair<std::string, std::string>>{
           {SLUICE_PLUGIN_DIR, "table-filter"}, {DRAINER_TEST_PLUGIN_DIR, "journal-sink"}}) {
    for (const char* suffix : {".so", ".plugin.toml"}) {
      std::filesystem::copy_file(std::filesystem::path(from) / (name + suffix),
                                 dir / (name + suffix),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  return dir;
}

TEST(DrainerNodeTest, FilteredTransactionsNeverReachTheSinkButAdvanceTheCheckpoint) {
  TestCluster cluster;
  std::string toml =
      cluster.drainer_toml("d8",
                           "[[filter]]\nplugin = \"table-filter\"\n[filter.config]\n"
                           "ignore-table = [{db-name = \"shop\", tbl-name = \"~^sec\"}]\n");
  const auto plugins = mixed_plugins_dir(cluster.path("plugins"));
  toml.replace(toml.find(DRAINER_TEST_PLUGIN_DIR), std::string(DRAINER_TEST_PLUGIN_DIR).size(),
               plugins.string());
  auto drainer = start_drainer(toml);
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  producer::TableSpec secret;
  secret.name = "secrets";
  secret.columns = {{"id", schema::mysql_type::kLonglong, false, true, true}};
  auto job = cluster.catalog().create_table("shop", secret);
  ASSERT_TRUE(job.is_ok());
  ASSERT_TRUE(cluster.producer().execute_ddl(*job).is_ok());
  std::set<int64_t> kept = cluster.insert_rows(1, 20, 2);
  int64_t last_secret = 0;
  for (int64_t id = 1; id <= 10; ++id) {
    producer::TransactionBuilder txn(cluster.catalog());
    ASSERT_TRUE(txn.insert("shop", "secrets", {{"id", id}}).is_ok());
    auto done = cluster.producer().commit(txn);
    ASSERT_TRUE(done.is_ok());
    last_secret = done->commit_ts;
  }
  const auto output = cluster.output("d8");
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, kept); }, seconds(30)));
  // The checkpoint passes the filtered transactions although the sink never saw them.
  ASSERT_TRUE(wait_until([&] { return drainer->checkpoint_ts() >= last_secret; }, seconds(10)));
  for (const auto& line : test::transactions_of(test::read_recording(output))) {
    EXPECT_EQ(line.events.find("secrets"), std::string::npos) << line.events;
  }
  EXPECT_GT(drainer->stats().skipped, 0u);
}

TEST(DrainerNodeTest, ANewPumpsNotifyMakesTheDrainerPullItAtOnce) {
  TestCluster cluster(1, 1);
  // Discovery alone would take a minute; Notify must not.
  std::string toml = cluster.drainer_toml("d9");
  const std::string quick = "detect-interval = \"300ms\"";
  toml.replace(toml.find(quick), quick.size(), "detect-interval = \"60s\"");
  auto drainer = start_drainer(toml);
  ASSERT_NE(drainer, nullptr);
  ASSERT_EQ(get_json(drainer->http_port(), "/status")["PumpPos"].size(), 1u);
  pump::PumpConfig config;
  config.addr = "127.0.0.1:0";
  config.status_addr = "127.0.0.1:0";
  config.data_dir = cluster.path("late-pump");
  config.registry_dir = cluster.registry_dir();
  config.cluster_id = test::kClusterId;
  config.node_id = "late-pump";
  config.stop_write_at_available_space = 0;
  auto late = pump::PumpNode::start(config);  // registers for the first time: Notify
  ASSERT_TRUE(late.is_ok()) << late.status().to_string();
  EXPECT_TRUE(wait_until(
      [&] {
        auto status = get_json(drainer->http_port(), "/status");
        return !status.is_null() && status["Pumps"].contains("late-pump") &&
               status["Pumps"]["late-pump"]["state"] == "pulling";
      },
      seconds(10)));
  ASSERT_TRUE(drainer->shutdown().is_ok());
}

TEST(DrainerNodeTest, InitialCommitTsStartsRightAfterIt) {
  TestCluster cluster;
  cluster.create_items_table();
  std::set<int64_t> rows = cluster.insert_rows(1, 10, 1);
  // No checkpoint, initial-commit-ts after the fifth row: the drainer's first binlog is the
  // sixth row. It never saw CREATE TABLE, so it stops there, naming that binlog and the cause.
  const int64_t fifth = *std::next(rows.begin(), 4);
  const int64_t sixth = *std::next(rows.begin(), 5);
  auto drainer = start_drainer(
      cluster.drainer_toml("d10", "initial-commit-ts = " + std::to_string(fifth) + "\n"));
  ASSERT_NE(drainer, nullptr);
  ASSERT_TRUE(drainer->wait_stop_requested(seconds(30)));
  auto failure = drainer->failure();
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->message().find("not found table id"), std::string::npos) << failure->message();
  EXPECT_NE(failure->message().find("commit_ts " + std::to_string(sixth)), std::string::npos)
      << failure->message();
  EXPECT_FALSE(drainer->shutdown().is_ok());
}

TEST(DrainerNodeTest, ARestartedPumpIsPulledAgainAndAnOfflinePumpIsRetired) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("d11"));
  ASSERT_NE(drainer, nullptr);
  cluster.create_items_table();
  const auto output = cluster.output("d11");
  std::set<int64_t> first = cluster.insert_rows(1, 20, 2);
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, first); }, seconds(30)));

  // The idle pump restarts on another port: the drainer follows its record and pulls again,
  // so rows written afterwards get through the merge.
  cluster.restart_pump(2);
  std::set<int64_t> second = cluster.insert_rows(21, 20, 2);
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, second); }, seconds(30)))
      << get_json(drainer->http_port(), "/status").dump();

  // Closed, the pump goes offline once drained; the drainer stops waiting for it.
  httplib::Client pump_http("127.0.0.1", cluster.pump(2).http_port());
  auto closed = pump_http.Put("/state/pump-2/close");
  ASSERT_TRUE(closed);
  ASSERT_EQ(closed->status, 200) << closed->body;
  ASSERT_TRUE(cluster.pump(2).wait_stop_requested(seconds(30)));
  ASSERT_TRUE(cluster.pump(2).shutdown().is_ok());
  ASSERT_TRUE(wait_until(
      [&] {
        auto status = get_json(drainer->http_port(), "/status");
        return !status.is_null() && !status["Pumps"].contains("pump-2");
      },
      seconds(10)));
  std::set<int64_t> third = cluster.insert_rows(41, 20, 2);
  ASSERT_TRUE(wait_until([&] { return test::recorded_all(output, third); }, seconds(30)));
  expect_strictly_increasing(test::recorded_ts(output));
  EXPECT_TRUE(wait_until(
      [&] { return get_json(drainer->http_port(), "/status")["Stalled"].empty(); }, seconds(5)));
}

TEST(DrainerNodeTest, HttpCloseTakesTheDrainerOffline) {
  TestCluster cluster;
  auto drainer = start_drainer(cluster.drainer_toml("d6"));
  ASSERT_NE(drainer, nullptr);
  httplib::Client client("127.0.0.1", drainer->http_port());
  auto wrong = client.Put("/state/someone-else/close");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  auto closed = client.Put("/state/d6/close");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->status, 200);
  ASSERT_TRUE(drainer->wait_stop_requested(seconds(5)));
  ASSERT_TRUE(drainer->shutdown().is_ok());
  auto record = read_file(cluster.registry_dir() / "drainers" / "d6.json");
  ASSERT_TRUE(record.is_ok());
  EXPECT_NE(record->find("\"offline\""), std::string::npos) << *record;
}

// Keeps every checkpoint the drainer saves, in memory.
class RecordingCheckpointStore : public checkpoint::CheckpointStore {
 public:
  Result<std::optional<checkpoint::Checkpoint>> load() override {
    std::lock_guard lock(mutex_);
    if (saved_.empty()) return std::optional<checkpoint::Checkpoint>();
    return std::optional<checkpoint::Checkpoint>(saved_.back());
  }
  Status save(const checkpoint::Checkpoint& checkpoint) override {
    std::lock_guard lock(mutex_);
    saved_.push_back(checkpoint);
    return Status::ok();
  }
  std::string describe() const override { return "memory"; }
  std::optional<checkpoint::Checkpoint> last() const {
    std::lock_guard lock(mutex_);
    if (saved_.empty()) return std::nullopt;
    return saved_.back();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<checkpoint::Checkpoint> saved_;
};

// A sink reporting a ts-map (as the tidb sink does from SHOW MASTER STATUS): the drainer saves
// the latest pair with the checkpoint, the original's "ts-map".
TEST(DrainerNodeTest, TheTsMapASinkReportsIsSavedWithTheCheckpoint) {
  TestCluster cluster;
  auto config = parse_drainer_config(cluster.drainer_toml("dt", "", "ts-map-offset = 1000\n"),
                                     "drainer.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  ASSERT_TRUE(apply_legacy_mapping(*config).is_ok());
  auto store = std::make_unique<RecordingCheckpointStore>();
  RecordingCheckpointStore* saved = store.get();
  auto node = DrainerNode::start(std::move(config).value(), std::move(store));
  ASSERT_TRUE(node.is_ok()) << node.status().to_string();
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 30, 2);
  ASSERT_TRUE(wait_until(
      [&] {
        auto last = saved->last();
        return last && last->ts_map && last->ts_map->primary_ts >= *committed.rbegin();
      },
      seconds(30)));
  const checkpoint::Checkpoint last = *saved->last();
  EXPECT_EQ(last.ts_map->secondary_ts, last.ts_map->primary_ts + 1000);
  EXPECT_LE(last.ts_map->primary_ts, last.commit_ts);
  EXPECT_TRUE((*node)->shutdown().is_ok());
}

TEST(DrainerNodeTest, RefusesToStartWithoutASinkOrWithABadPluginConfig) {
  TestCluster cluster(1, 1);
  std::string toml = cluster.drainer_toml("d7");
  toml = toml.substr(0, toml.find("[[sink]]"));
  auto config = parse_drainer_config(toml, "drainer.toml");
  ASSERT_TRUE(config.is_ok());
  auto node = DrainerNode::start(std::move(config).value());
  ASSERT_FALSE(node.is_ok());
  EXPECT_NE(node.status().message().find("no sink"), std::string::npos);

  auto bad = parse_drainer_config(toml + "[[sink]]\nplugin = \"journal-sink\"\n", "drainer.toml");
  ASSERT_TRUE(bad.is_ok());
  auto problems = DrainerNode::check_config(*bad);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].message().find("path"), std::string::npos) << problems[0].message();
}

}  // namespace
}  // namespace sluice::drainer
