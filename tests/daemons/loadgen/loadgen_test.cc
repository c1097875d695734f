// sluice-loadgen against a real MariaDB and real pumps (PumpNode on loopback, embedded registry
// and TSO): the binlogs pulled back from the pumps hold exactly the committed transactions with
// their row counts and the DDL; the sluice-drainer binary with the mysql sink turns them into a
// second MariaDB that sluice-sync-diff finds equal to the reference; the rate limit caps the
// count; set-up errors name their cause.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/pump/pump_node.h"
#include "core/registry/node_identity.h"
#include "core/tso/embedded_tso.h"
#include "daemons/loadgen/registry_pump_directory.h"
#include "daemons/loadgen/workload.h"
#include "daemons/sync_diff/table_diff.h"
#include "sdk/producer/pump_client.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/temp_dir.h"

namespace sluice::loadgen {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::filesystem::path binary(const std::string& name) {
  const char* dir = std::getenv("SLUICE_BINARY_DIR");
  if (dir != nullptr && *dir != '\0') return std::filesystem::path(dir) / "bin" / name;
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" / name;
}

bool wait_until(const std::function<bool()>& condition, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(200));
  }
  return condition();
}

mysql::ConnectionOptions connection_of(const testing::MariadbServer& server) {
  mysql::ConnectionOptions options;
  options.host = server.host();
  options.port = server.port();
  options.user = server.user();
  options.password = server.password();
  return options;
}

struct Pulled {
  std::vector<binlog::Binlog> binlogs;  // DML and DDL commits, fake binlogs left out
};

// Two pumps sharing an embedded registry and TSO; the cluster id is the registry's.
class Pumps {
 public:
  Pumps() {
    for (int i = 0; i < 2; ++i) {
      pump::PumpConfig config;
      config.addr = "127.0.0.1:0";
      config.status_addr = "127.0.0.1:0";
      config.data_dir = dir_.file("pump-" + std::to_string(i));
      config.registry_dir = registry_dir();
      config.node_id = "pump-" + std::to_string(i);
      config.stop_write_at_available_space = 0;
      auto node = pump::PumpNode::start(config);
      if (!node.is_ok()) throw std::runtime_error(node.status().to_string());
      nodes_.push_back(std::move(node).value());
    }
    cluster_id_ = registry::load_or_create_cluster_id(registry_dir()).value();
    tso_ = tso::EmbeddedTso::open(registry_dir() / "tso").value();
  }

  std::filesystem::path registry_dir() const { return dir_.file("registry"); }
  std::filesystem::path path(const std::string& name) const { return dir_.file(name); }
  uint64_t cluster_id() const { return cluster_id_; }
  tso::EmbeddedTso& tso() { return *tso_; }

  std::unique_ptr<producer::PumpClient> client() {
    auto directory = RegistryPumpDirectory::open(registry_dir());
    EXPECT_TRUE(directory.is_ok()) << directory.status().to_string();
    producer::PumpClientOptions options;
    options.cluster_id = cluster_id_;
    return producer::PumpClient::create(*directory, options).value();
  }

  // Every committed binlog of every pump up to `last_ts` (fake ones left out), each pump's in its
  // stream order, which must be strictly increasing.
  Pulled pull(int64_t last_ts) {
    Pulled pulled;
    for (auto& node : nodes_) {
      auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(node->grpc_port()),
                                         grpc::InsecureChannelCredentials());
      auto stub = binlog::Pump::NewStub(channel);
      binlog::PullBinlogReq request;
      request.set_clusterid(cluster_id_);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + seconds(60));
      auto reader = stub->PullBinlogs(&context, request);
      binlog::PullBinlogResp response;
      int64_t previous = 0;
      while (reader->Read(&response)) {
        binlog::Binlog entry;
        EXPECT_TRUE(entry.ParseFromString(response.entity().payload()));
        EXPECT_GT(entry.commit_ts(), previous) << node->node_id();
        previous = entry.commit_ts();
        if (entry.start_ts() != entry.commit_ts()) pulled.binlogs.push_back(entry);
        if (entry.commit_ts() >= last_ts) break;
      }
      EXPECT_GE(previous, last_ts) << node->node_id() << " stopped early";
      context.TryCancel();
      (void)reader->Finish();
    }
    return pulled;
  }

 private:
  testing::TempDir dir_{"loadgen-test-"};
  std::vector<std::unique_ptr<pump::PumpNode>> nodes_;
  uint64_t cluster_id_ = 0;
  std::unique_ptr<tso::EmbeddedTso> tso_;
};

LoadOptions small_load(const testing::MariadbServer& server) {
  LoadOptions options;
  options.mysql = connection_of(server);
  options.database = "sbtest";
  options.recreate = true;
  options.threads = 4;
  options.tables = 2;
  options.transactions = 240;
  // Tickets 60, 120 and 180: add column, create table sbtest3, add index.
  options.ddl_every = 60;
  options.record = true;
  return options;
}

int64_t count_rows(const testing::MariadbServer& server, const std::string& table) {
  return std::stoll(*server.query_rows("SELECT COUNT(*) FROM " + table)[0][0]);
}

TEST(LoadgenTest, PumpsHoldExactlyTheCommittedTransactionsAndTheDdl) {
  testing::MariadbServer upstream;
  Pumps pumps;
  auto client = pumps.client();
  auto report = run_load(small_load(upstream), pumps.tso(), *client);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->errors, 0) << (report->first_errors.empty() ? "" : report->first_errors[0]);
  EXPECT_EQ(report->binlogs_lost, 0);
  // 240 tickets, each a transaction unless all its changes hit rows deleted meanwhile or MariaDB
  // rolled it back.
  EXPECT_LE(report->committed + report->rolled_back, 240);
  EXPECT_GT(report->committed, 0);
  ASSERT_EQ(report->commits.size(), static_cast<size_t>(report->committed));
  // create database, two tables, then at tickets 60, 120, 180: add column, create table, add
  // index.
  ASSERT_EQ(report->ddls, 6);
  ASSERT_EQ(report->ddl_log.size(), 6u);
  EXPECT_EQ(report->ddl_log[0].query, "CREATE DATABASE `sbtest`");
  EXPECT_NE(report->ddl_log[3].query.find("ADD COLUMN `extra1`"), std::string::npos)
      << report->ddl_log[3].query;
  EXPECT_NE(report->ddl_log[4].query.find("CREATE TABLE `sbtest3`"), std::string::npos)
      << report->ddl_log[4].query;
  EXPECT_NE(report->ddl_log[5].query.find(" ADD INDEX `idx1` (`k`)"), std::string::npos)
      << report->ddl_log[5].query;
  // MariaDB applied it: the index exists upstream on k.
  EXPECT_EQ(count_rows(upstream,
                       "information_schema.statistics WHERE table_schema = 'sbtest' AND "
                       "index_name = 'idx1' AND column_name = 'k'"),
            1);

  int64_t last_ts = report->ddl_log.back().commit_ts;
  std::map<int64_t, const CommittedTxn*> by_commit_ts;
  std::map<std::string, int64_t> live_rows;  // per table: inserts - deletes
  for (const auto& txn : report->commits) {
    by_commit_ts[txn.commit_ts] = &txn;
    last_ts = std::max(last_ts, txn.commit_ts);
    live_rows[txn.table] += txn.inserts - txn.deletes;
  }
  ASSERT_EQ(by_commit_ts.size(), report->commits.size()) << "commit ts must be unique";

  Pulled pulled = pumps.pull(last_ts);
  std::set<int64_t> dml_seen;
  std::vector<std::pair<int64_t, std::string>> ddl_seen;
  for (const auto& entry : pulled.binlogs) {
    if (!entry.ddl_query().empty()) {
      ddl_seen.emplace_back(entry.commit_ts(), entry.ddl_query());
      continue;
    }
    auto it = by_commit_ts.find(entry.commit_ts());
    ASSERT_NE(it, by_commit_ts.end())
        << "a binlog of no committed transaction: " << entry.commit_ts();
    EXPECT_EQ(entry.start_ts(), it->second->start_ts);
    EXPECT_TRUE(dml_seen.insert(entry.commit_ts()).second) << "twice: " << entry.commit_ts();
    binlog::PrewriteValue value;
    ASSERT_TRUE(value.ParseFromString(entry.prewrite_value()));
    ASSERT_EQ(value.mutations_size(), 1);
    EXPECT_EQ(value.mutations(0).inserted_rows_size(), it->second->inserts);
    EXPECT_EQ(value.mutations(0).updated_rows_size(), it->second->updates);
    EXPECT_EQ(value.mutations(0).deleted_rows_size(), it->second->deletes);
  }
  EXPECT_EQ(dml_seen.size(), by_commit_ts.size()) << "committed transactions missing on the pumps";
  std::sort(ddl_seen.begin(), ddl_seen.end());
  ASSERT_EQ(ddl_seen.size(), report->ddl_log.size());
  for (size_t i = 0; i < ddl_seen.size(); ++i) {
    EXPECT_EQ(ddl_seen[i].first, report->ddl_log[i].commit_ts);
    EXPECT_EQ(ddl_seen[i].second, report->ddl_log[i].query);
  }
  // What the report says was committed is what MariaDB holds.
  for (const std::string table : {"sbtest1", "sbtest2", "sbtest3"}) {
    EXPECT_EQ(count_rows(upstream, "sbtest." + table), live_rows[table]) << table;
  }
  client->stop();
}

// The whole path: loadgen (the binary, pumps found in the registry) -> pumps -> sluice-drainer
// with the mysql sink -> a second MariaDB, which sync-diff finds equal to the reference.
// Runs sluice-loadgen into `upstream` (and the pumps) for `transactions` transactions in
// `database`; expects a clean exit.
void run_loadgen(const Pumps& pumps, const testing::MariadbServer& upstream,
                 const std::string& database, const std::string& log_name) {
  testing::ChildProcessOptions load_options;
  load_options.argv = {binary("sluice-loadgen").string(),
                       "--port",
                       std::to_string(upstream.port()),
                       "--registry-dir",
                       pumps.registry_dir().string(),
                       "--database",
                       database,
                       "--threads",
                       "6",
                       "--tables",
                       "1",
                       "--transactions",
                       "300",
                       "--ddl-every",
                       "100",
                       "--row-size",
                       "90"};
  load_options.log_file = pumps.path(log_name);
  testing::ChildProcess load(load_options);
  auto status = load.wait_for_exit(seconds(120));
  ASSERT_TRUE(status.has_value()) << load.log_tail();
  ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << testing::describe_wait_status(*status) << "\n"
      << load.log_tail();
  EXPECT_NE(load.log_tail().find("committed "), std::string::npos) << load.log_tail();
}

// Waits until `database` downstream equals upstream (sync-diff), or the drainer exits.
void expect_replicated(const testing::MariadbServer& upstream,
                       const testing::MariadbServer& downstream, testing::ChildProcess& drainer,
                       const std::string& database) {
  sync_diff::DiffOptions diff;
  diff.source = connection_of(upstream);
  diff.target = connection_of(downstream);
  diff.schemas = {{database, database}};
  diff.chunk_size = 50;
  std::string last_output;
  bool equal = false;
  wait_until(
      [&] {
        if (!drainer.is_running()) return true;
        std::ostringstream out;
        auto summary = sync_diff::compare_databases(diff, out);
        last_output = summary.is_ok() ? out.str() : summary.status().to_string();
        equal = summary.is_ok() && summary->equal();
        return equal;
      },
      seconds(120));
  ASSERT_TRUE(equal) << database << ": " << last_output << "\n" << drainer.log_tail();
  // The first table at the start (one table: many transactions conflict on its rows, so the
  // downstream matches only if the binlog commit order is MariaDB's), the second from the second
  // DDL.
  EXPECT_EQ(
      count_rows(downstream, "information_schema.tables WHERE table_schema = '" + database + "'"),
      2);
  EXPECT_GT(count_rows(downstream, database + ".sbtest1"), 0);
}

// A drainer (mysql sink into `downstream`) over `pumps`, serving.
std::unique_ptr<testing::ChildProcess> start_mysql_drainer(
    const Pumps& pumps, const testing::MariadbServer& downstream) {
  std::ofstream(pumps.path("drainer.toml"))
      << "addr = \"127.0.0.1:0\"\n"
      << "data-dir = \"" << pumps.path("drainer").string() << "\"\n"
      << "detect-interval = 1\n"
      << "node-id = \"loadgen-drainer\"\n"
      << "registry-dir = \"" << pumps.registry_dir().string() << "\"\n"
      << "cluster-id = " << pumps.cluster_id() << "\n"
      << "status-addr = \"127.0.0.1:0\"\n"
      << "checkpoint-interval = \"200ms\"\n"
      << "[syncer]\n"
      << "db-type = \"mysql\"\n"
      << "worker-count = 4\n"
      << "[syncer.to]\n"
      << "host = \"" << downstream.host() << "\"\n"
      << "port = " << downstream.port() << "\n"
      << "user = \"" << downstream.user() << "\"\n"
      << "password = \"" << downstream.password() << "\"\n";
  testing::ChildProcessOptions drainer_options;
  drainer_options.argv = {binary("sluice-drainer").string(), "-config",
                          pumps.path("drainer.toml").string(), "-L", "info"};
  drainer_options.log_file = pumps.path("drainer.log");
  drainer_options.pipe_stdout = true;
  auto drainer = std::make_unique<testing::ChildProcess>(drainer_options);
  // Without a checkpoint the drainer starts at the current time: the load must begin after that.
  bool serving = false;
  while (!serving) {
    auto line = drainer->read_stdout_line(seconds(30));
    if (!line) break;
    serving = line->find("serving gRPC") != std::string::npos;
  }
  EXPECT_TRUE(serving) << drainer->log_tail();
  return drainer;
}

TEST(LoadgenTest, DrainerIntoASecondMariadbReproducesTheReference) {
  testing::MariadbServer upstream;
  testing::MariadbServer downstream;
  Pumps pumps;
  auto drainer = start_mysql_drainer(pumps, downstream);
  run_loadgen(pumps, upstream, "sbtest", "loadgen.log");
  expect_replicated(upstream, downstream, *drainer, "sbtest");
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
}

// A second run against the same pumps and drainer continues the cluster's table ids and schema
// versions, so both runs' databases replicate whole (a generator that started its ids at 1 again
// had the drainer put the second run's rows into the first run's tables).
TEST(LoadgenTest, ASecondRunAgainstTheSameClusterReplicatesToo) {
  testing::MariadbServer upstream;
  testing::MariadbServer downstream;
  Pumps pumps;
  auto drainer = start_mysql_drainer(pumps, downstream);
  run_loadgen(pumps, upstream, "first_run", "loadgen-1.log");
  expect_replicated(upstream, downstream, *drainer, "first_run");
  run_loadgen(pumps, upstream, "second_run", "loadgen-2.log");
  expect_replicated(upstream, downstream, *drainer, "second_run");
  expect_replicated(upstream, downstream, *drainer, "first_run");
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
}

TEST(LoadgenTest, RateLimitCapsTheTransactionCount) {
  testing::MariadbServer upstream;
  Pumps pumps;
  auto client = pumps.client();
  LoadOptions options = small_load(upstream);
  options.transactions = 0;
  options.duration = milliseconds(1500);
  options.rate = 20;
  auto report = run_load(options, pumps.tso(), *client);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  // Ticket i starts no earlier than i / rate: at most 20 * 1.5 + 1 begin within the duration;
  // the slack covers the last ones still running when it ends.
  EXPECT_LE(report->committed + report->rolled_back, 20 * 1.5 + 1 + options.threads);
  EXPECT_GT(report->committed, 0);
  client->stop();
}

TEST(LoadgenTest, SetUpErrorsNameTheirCause) {
  testing::MariadbServer upstream;
  Pumps pumps;
  auto client = pumps.client();
  LoadOptions options = small_load(upstream);

  LoadOptions unreachable = options;
  unreachable.mysql.port = testing::free_tcp_port();
  auto failed = run_load(unreachable, pumps.tso(), *client);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("cannot connect to MariaDB at 127.0.0.1:" +
                                           std::to_string(unreachable.mysql.port)),
            std::string::npos)
      << failed.status().to_string();

  LoadOptions wrong_password = options;
  wrong_password.mysql.password = "Secr3t-pw!";
  failed = run_load(wrong_password, pumps.tso(), *client);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("cannot connect to MariaDB"), std::string::npos);
  EXPECT_EQ(failed.status().to_string().find("Secr3t-pw!"), std::string::npos);

  upstream.execute("CREATE DATABASE mine");
  LoadOptions existing = options;
  existing.database = "mine";
  existing.recreate = false;
  failed = run_load(existing, pumps.tso(), *client);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("database mine already exists"), std::string::npos)
      << failed.status().to_string();

  // A pump nobody listens on: the first binlog (CREATE DATABASE) fails and says so.
  auto dead = std::make_shared<producer::StaticPumpDirectory>(std::vector<producer::PumpInfo>{
      {"dead", "127.0.0.1:" + std::to_string(testing::free_tcp_port()), "online"}});
  producer::PumpClientOptions client_options;
  client_options.cluster_id = pumps.cluster_id();
  client_options.write_timeout = milliseconds(300);
  client_options.retry_interval = milliseconds(50);
  auto dead_client = producer::PumpClient::create(dead, client_options).value();
  failed = run_load(options, pumps.tso(), *dead_client);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().to_string().find("binlog of CREATE DATABASE `sbtest`"),
            std::string::npos)
      << failed.status().to_string();
  dead_client->stop();

  LoadOptions bad = options;
  bad.threads = 0;
  EXPECT_NE(validate(bad).message().find("threads"), std::string::npos);
  bad = options;
  bad.row_size = 600;
  EXPECT_NE(validate(bad).message().find("row size"), std::string::npos);
  bad = options;
  bad.transactions = 0;
  EXPECT_NE(validate(bad).message().find("transaction count or a duration"), std::string::npos);
  client->stop();
}

TEST(LoadgenCli, MissingPumpsAndRegistryAreExplained) {
  testing::TempDir dir("loadgen-cli-");
  auto run = [&](std::vector<std::string> arguments) {
    testing::ChildProcessOptions options;
    options.argv = {binary("sluice-loadgen").string()};
    for (auto& argument : arguments)
      options.argv.push_back(std::move(argument));
    options.log_file = dir.file("out.log");
    std::filesystem::remove(options.log_file);
    testing::ChildProcess child(options);
    auto status = child.wait_for_exit(seconds(30));
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
    return child.log_tail();
  };
  EXPECT_NE(run({"-n", "10"}).find("give --registry-dir"), std::string::npos);
  EXPECT_NE(
      run({"-n", "10", "--registry-dir", dir.file("empty").string()}).find("no pump registry in"),
      std::string::npos);
  EXPECT_NE(run({"--registry-dir", dir.path().string()}).find("transaction count or a duration"),
            std::string::npos);
  EXPECT_NE(run({"-n", "10", "--pumps", "nohost", "--tso-file", dir.file("tso").string(),
                 "--cluster-id", "1"})
                .find("bad pump address 'nohost'"),
            std::string::npos);
}

TEST(LoadgenUnit, SysbenchTextAndPumpList) {
  const std::string text = sysbench_text(42, 35);
  ASSERT_EQ(text.size(), 35u);
  // Groups of 11 digits joined by '-': dashes at 11 and 23; never a trailing one.
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 11 || i == 23) {
      EXPECT_EQ(text[i], '-') << text;
    } else {
      EXPECT_TRUE(text[i] >= '0' && text[i] <= '9') << text;
    }
  }
  EXPECT_NE(sysbench_text(12, 24).back(), '-');  // position 23 would be a dash
  EXPECT_EQ(sysbench_text(7, 60), sysbench_text(7, 60));
  EXPECT_NE(sysbench_text(7, 60), sysbench_text(8, 60));

  auto pumps = parse_pump_list("127.0.0.1:8250,host-b:9");
  ASSERT_TRUE(pumps.is_ok());
  ASSERT_EQ(pumps->size(), 2u);
  EXPECT_EQ((*pumps)[1].address, "host-b:9");
  EXPECT_EQ((*pumps)[1].state, "online");
  EXPECT_FALSE(parse_pump_list("").is_ok());
  EXPECT_FALSE(parse_pump_list("a:1,b").is_ok());
  EXPECT_FALSE(parse_pump_list("a:x").is_ok());
}

}  // namespace
}  // namespace sluice::loadgen
