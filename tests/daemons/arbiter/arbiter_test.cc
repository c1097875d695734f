// sluice-arbiter end to end: secondary binlogs written to librdkafka's mock cluster the way the
// Kafka sink writes them (one message per transaction, partition 0; a split transaction as parts
// with sluice-part / sluice-commit-ts headers), the arbiter run as a child process, and the rows
// and tidb_binlog.arbiter_checkpoint checked in a real MariaDB: exact end state, kill -9 and
// restart (safe mode repairs what is applied twice), SIGTERM leaves status 0, a message that is
// not a secondary binlog, a broker down at start; CJK and 4-byte text applied byte for byte into
// a MariaDB with stock settings (latin1 by default) from DDL that names no character set.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>

#include <cppconn/exception.h>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/proto/secondary_binlog.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/kafka_mock_cluster.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/temp_dir.h"

namespace sluice::testing {
namespace {

using Rows = std::vector<SqlRow>;
using Cell = std::optional<std::string>;  // nullopt: NULL
using namespace std::chrono_literals;

// A TSO-shaped commit_ts for transaction n.
int64_t ts(int n) {
  return (int64_t{430000000} + n) << 18;
}

struct TableDef {
  std::string schema;
  std::string name;
  std::vector<std::pair<std::string, std::string>> columns;  // name, mysql_type
  std::string primary_key;
};

class Txn {
 public:
  explicit Txn(int n) {
    binlog_.set_type(slave::binlog::DML);
    binlog_.set_commit_ts(ts(n));
    binlog_.mutable_dml_data();
  }
  Txn& insert(const TableDef& table, const std::vector<Cell>& row) {
    auto* mutation = add(table);
    mutation->set_type(slave::binlog::Insert);
    fill(table, row, mutation->mutable_row());
    return *this;
  }
  Txn& update(const TableDef& table, const std::vector<Cell>& old_row,
              const std::vector<Cell>& new_row) {
    auto* mutation = add(table);
    mutation->set_type(slave::binlog::Update);
    fill(table, new_row, mutation->mutable_row());  // row = new, change_row = old (facts §3)
    fill(table, old_row, mutation->mutable_change_row());
    return *this;
  }
  Txn& erase(const TableDef& table, const std::vector<Cell>& row) {
    auto* mutation = add(table);
    mutation->set_type(slave::binlog::Delete);
    fill(table, row, mutation->mutable_row());
    return *this;
  }
  std::string bytes() const { return binlog_.SerializeAsString(); }

 private:
  slave::binlog::TableMutation* add(const TableDef& def) {
    auto* table = binlog_.mutable_dml_data()->add_tables();
    table->set_schema_name(def.schema);
    table->set_table_name(def.name);
    for (const auto& [name, type] : def.columns) {
      auto* info = table->add_column_info();
      info->set_name(name);
      info->set_mysql_type(type);
      info->set_is_primary_key(name == def.primary_key);
      info->set_flen(type == "int" ? 11 : 32);
      info->set_decimal(0);
    }
    auto* key = table->add_unique_keys();
    key->set_name("PRIMARY");
    key->add_column_names(def.primary_key);
    return table->add_mutations();
  }
  static void fill(const TableDef& def, const std::vector<Cell>& cells, slave::binlog::Row* row) {
    for (size_t i = 0; i < cells.size(); ++i) {
      auto* column = row->add_columns();
      if (!cells[i]) {
        column->set_is_null(true);
      } else if (def.columns[i].second == "int" || def.columns[i].second == "bigint") {
        column->set_int64_value(std::stoll(*cells[i]));
      } else {
        column->set_string_value(*cells[i]);
      }
    }
  }
  slave::binlog::Binlog binlog_;
};

std::string ddl(int n, const std::string& schema, const std::string& table,
                const std::string& query) {
  slave::binlog::Binlog binlog;
  binlog.set_type(slave::binlog::DDL);
  binlog.set_commit_ts(ts(n));
  binlog.mutable_ddl_data()->set_schema_name(schema);
  binlog.mutable_ddl_data()->set_table_name(table);
  binlog.mutable_ddl_data()->set_ddl_query(query);
  return binlog.SerializeAsString();
}

struct Message {
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The messages of one transaction split into parts (each part a Binlog with the same
// commit_ts), with the Kafka sink's headers.
std::vector<Message> split(int n, const std::vector<std::string>& parts) {
  std::vector<Message> out;
  for (size_t i = 0; i < parts.size(); ++i) {
    out.push_back({parts[i],
                   {{"sluice-commit-ts", std::to_string(ts(n))},
                    {"sluice-part", std::to_string(i + 1) + "/" + std::to_string(parts.size())}}});
  }
  return out;
}

// A librdkafka producer writing to partition 0 in order; produce() returns once every message
// is acknowledged.
class Producer {
 public:
  explicit Producer(const std::string& brokers) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    for (auto [name, value] : {std::pair{"bootstrap.servers", brokers.c_str()},
                               std::pair{"enable.idempotence", "true"}}) {
      if (rd_kafka_conf_set(conf, name, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
        throw std::runtime_error(error);
      }
    }
    rd_kafka_conf_set_dr_msg_cb(conf,
                                [](rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
                                  if (message->err) ++*static_cast<int*>(opaque);
                                });
    rd_kafka_conf_set_opaque(conf, &failures_);
    // The broker-down test takes the broker away under this producer too; stay quiet.
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (handle_ == nullptr) throw std::runtime_error(error);
  }
  ~Producer() { rd_kafka_destroy(handle_); }

  void produce(const std::string& topic, const std::vector<Message>& messages) {
    for (const Message& message : messages) {
      rd_kafka_headers_t* headers = rd_kafka_headers_new(message.headers.size());
      for (const auto& [name, value] : message.headers) {
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
      }
      const rd_kafka_resp_err_t error = rd_kafka_producev(
          handle_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()),
          RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
      if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(headers);
        throw std::runtime_error(rd_kafka_err2str(error));
      }
    }
    if (rd_kafka_flush(handle_, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR || failures_ != 0) {
      throw std::runtime_error("messages were not acknowledged");
    }
  }
  void produce(const std::string& topic, const std::vector<std::string>& values) {
    std::vector<Message> messages;
    for (const std::string& value : values)
      messages.push_back({value, {}});
    produce(topic, messages);
  }

 private:
  rd_kafka_t* handle_ = nullptr;
  int failures_ = 0;
};

const TableDef kItems{"shop", "items", {{"id", "int"}, {"name", "varchar"}, {"qty", "int"}}, "id"};
const TableDef kItemsWithNote{
    "shop",
    "items",
    {{"id", "int"}, {"name", "varchar"}, {"qty", "int"}, {"note", "varchar"}},
    "id"};
const TableDef kTags{"shop", "tags", {{"k", "varchar"}, {"v", "bigint"}}, "k"};

class ArbiterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<MariadbServer>();
    KafkaMockClusterOptions options;
    for (const char* topic : {"e2e_obinlog", "crash_obinlog", "invalid_obinlog", "skip_obinlog",
                              "down_obinlog", "gone_obinlog"}) {
      options.topics.push_back({topic, 1});
    }
    kafka_ = std::make_unique<KafkaMockCluster>(options);
    producer_ = std::make_unique<Producer>(kafka_->bootstrap_servers());
  }
  static void TearDownTestSuite() {
    producer_.reset();
    kafka_.reset();
    server_.reset();
  }
  void SetUp() override {
    server_->execute("DROP DATABASE IF EXISTS shop");
    server_->execute("DROP DATABASE IF EXISTS tidb_binlog");
  }

  std::unique_ptr<ChildProcess> start_arbiter(const std::string& topic,
                                              const std::string& extra_up = "",
                                              const std::string& extra_down = "") {
    const auto config = work_.file("arbiter-" + topic + ".toml");
    std::ofstream(config) << "addr = \"127.0.0.1:0\"\nlog-level = \"debug\"\n[up]\nkafka-addrs = \""
                          << kafka_->bootstrap_servers() << "\"\ntopic = \"" << topic
                          << "\"\nkafka-version = \"2.0.0\"\n"
                          << extra_up << "\n[down]\nhost = \"" << server_->host()
                          << "\"\nport = " << server_->port() << "\nuser = \"" << server_->user()
                          << "\"\npassword = \"" << server_->password()
                          << "\"\nworker-count = 4\nbatch-size = 4\n"
                          << extra_down << "\n";
    ChildProcessOptions options;
    options.argv = {ARBITER_BINARY, "-config", config.string()};
    options.log_file = work_.file("arbiter-" + topic + ".log");
    return std::make_unique<ChildProcess>(options);
  }

  // (ts, status) of the topic's checkpoint row; nullopt while there is none.
  static std::optional<std::pair<int64_t, int>> checkpoint(const std::string& topic) {
    try {
      const Rows rows = server_->query_rows(
          "SELECT ts, status FROM tidb_binlog.arbiter_checkpoint WHERE topic_name = '" + topic +
          "'");
      if (rows.empty() || !rows[0][0] || !rows[0][1]) return std::nullopt;
      return std::pair{std::stoll(*rows[0][0]), std::stoi(*rows[0][1])};
    } catch (const sql::SQLException&) {
      return std::nullopt;  // the table is not there yet
    }
  }

  // Waits until the checkpoint reaches `target` (or the arbiter exits).
  static void wait_for_checkpoint(const std::string& topic, int64_t target, ChildProcess& child) {
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto found = checkpoint(topic);
      if (found && found->first >= target) return;
      if (!child.is_running()) {
        FAIL() << "the arbiter exited: " << describe_wait_status(*child.wait_status()) << "\n"
               << child.log_tail();
      }
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "the checkpoint did not reach " << target << "\n" << child.log_tail();
  }

  static bool log_contains(const ChildProcess& child, const std::string& text) {
    return read_file_tail(child.log_file(), 1 << 20).find(text) != std::string::npos;
  }

  static Rows items() { return server_->query_rows("SELECT * FROM shop.items ORDER BY id"); }

  static inline std::unique_ptr<MariadbServer> server_;
  static inline std::unique_ptr<KafkaMockCluster> kafka_;
  static inline std::unique_ptr<Producer> producer_;
  TempDir work_{"sluice-arbiter-test-"};
};

std::vector<std::string> schema_history(int first) {
  return {
      ddl(first, "shop", "", "CREATE DATABASE shop"),
      ddl(first + 1, "shop", "items",
          "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(32), qty INT)"),
      ddl(first + 2, "shop", "tags", "CREATE TABLE tags (k VARCHAR(16) PRIMARY KEY, v BIGINT)")};
}

TEST_F(ArbiterTest, AppliesTheTopicExactlyAndStopsCleanly) {
  const std::string topic = "e2e_obinlog";
  producer_->produce(topic, schema_history(1));
  const std::string txn5 = Txn(5)
                               .update(kItems, {"1", "apple", "5"}, {"1", "apple", "4"})
                               .erase(kItems, {"3", "fig", std::nullopt})
                               .insert(kTags, {"b", "2"})
                               .bytes();
  producer_->produce(topic, std::vector<std::string>{Txn(4)
                                                         .insert(kItems, {"1", "apple", "5"})
                                                         .insert(kItems, {"2", "pear", "3"})
                                                         .insert(kItems, {"3", "fig", std::nullopt})
                                                         .insert(kTags, {"a", "1"})
                                                         .bytes(),
                                                     txn5});
  // Transaction 6 split over two messages, as max-events-per-message makes the sink write it.
  producer_->produce(
      topic,
      split(6, {Txn(6).insert(kItems, {"4", "kiwi", "9"}).bytes(),
                Txn(6).update(kTags, {"a", "1"}, {"a", "10"}).erase(kTags, {"b", "2"}).bytes()}));
  producer_->produce(
      topic,
      std::vector<std::string>{
          ddl(7, "shop", "items", "ALTER TABLE items ADD COLUMN note VARCHAR(20)"),
          Txn(8)
              .insert(kItemsWithNote, {"5", "plum", "1", "new"})
              .update(kItemsWithNote, {"2", "pear", "3", std::nullopt}, {"2", "pear", "2", "x"})
              .bytes(),
          // An at-least-once repeat of transaction 5: applying it again would bring back tag b.
          txn5});

  auto arbiter = start_arbiter(topic);
  wait_for_checkpoint(topic, ts(8), *arbiter);
  EXPECT_EQ(checkpoint(topic), (std::pair<int64_t, int>{ts(8), 1}));  // running
  // The repeat after transaction 8 is read before the arbiter idles; it must change nothing.
  const Rows expected_items{{"1", "apple", "4", std::nullopt},
                            {"2", "pear", "2", "x"},
                            {"4", "kiwi", "9", std::nullopt},
                            {"5", "plum", "1", "new"}};
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!log_contains(*arbiter, "is applied already") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(log_contains(*arbiter, "is applied already")) << arbiter->log_tail();
  EXPECT_EQ(items(), expected_items);
  EXPECT_EQ(server_->query_rows("SELECT * FROM shop.tags ORDER BY k"), (Rows{{"a", "10"}}));
  EXPECT_TRUE(log_contains(*arbiter, "kafka-version \"2.0.0\" is ignored"));

  const int status = arbiter->terminate(30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << describe_wait_status(status) << "\n"
                                                             << arbiter->log_tail();
  EXPECT_EQ(checkpoint(topic), (std::pair<int64_t, int>{ts(8), 0}));  // normal

  // A clean restart applies nothing twice and starts without safe mode.
  producer_->produce(topic, std::vector<std::string>{Txn(9).insert(kTags, {"c", "3"}).bytes()});
  auto again = start_arbiter(topic);
  wait_for_checkpoint(topic, ts(9), *again);
  EXPECT_FALSE(log_contains(*again, "did not stop cleanly"));
  // Offsets: 0-2 schema, 3 txn 4, 4 txn 5, 5-6 txn 6, 7 DDL 7, 8 txn 8, 9 the repeat, 10 txn 9:
  // the search by commit_ts starts the restart at offset 10.
  EXPECT_TRUE(log_contains(*again, "ends before offset 10 of topic e2e_obinlog"))
      << again->log_tail();
  EXPECT_EQ(server_->query_rows("SELECT * FROM shop.tags ORDER BY k"),
            (Rows{{"a", "10"}, {"c", "3"}}));
  EXPECT_EQ(items(), expected_items);
  again->terminate(30s);
  EXPECT_EQ(checkpoint(topic), (std::pair<int64_t, int>{ts(9), 0}));
}

// Transaction i (from 10): inserts item i, moves item i-1's qty up by 100, and every fifth one
// deletes item i-3. `model` follows along.
std::string workload_txn(int i, std::map<int, int>& model) {
  Txn txn(i);
  model[i] = i;
  txn.insert(kItems, {std::to_string(i), "n" + std::to_string(i), std::to_string(i)});
  if (auto previous = model.find(i - 1); previous != model.end()) {
    const std::string id = std::to_string(i - 1);
    const std::string name = "n" + id;
    txn.update(kItems, {id, name, std::to_string(previous->second)},
               {id, name, std::to_string(previous->second + 100)});
    previous->second += 100;
  }
  if (i % 5 == 0) {
    if (auto victim = model.find(i - 3); victim != model.end()) {
      const std::string id = std::to_string(i - 3);
      txn.erase(kItems, {id, "n" + id, std::to_string(victim->second)});
      model.erase(victim);
    }
  }
  return txn.bytes();
}

Rows rows_of(const std::map<int, int>& model) {
  Rows rows;
  for (const auto& [id, qty] : model) {
    rows.push_back({std::to_string(id), "n" + std::to_string(id), std::to_string(qty)});
  }
  return rows;
}

TEST_F(ArbiterTest, KillNineAndRestartEndsExact) {
  const std::string topic = "crash_obinlog";
  producer_->produce(topic, schema_history(1));
  std::map<int, int> model;
  std::vector<std::string> first;
  for (int i = 10; i < 400; ++i)
    first.push_back(workload_txn(i, model));
  producer_->produce(topic, first);

  auto arbiter = start_arbiter(topic);
  wait_for_checkpoint(topic, ts(40), *arbiter);
  arbiter->kill9();
  auto crashed = checkpoint(topic);
  ASSERT_TRUE(crashed.has_value());
  EXPECT_EQ(crashed->second, 1);  // still "running": the stop was not clean
  // Whatever the kill left, make sure transactions after the checkpoint are already applied
  // downstream (as when the process dies between a commit and the checkpoint save): the restart
  // must apply them again, which only safe mode survives (duplicate keys otherwise).
  const int64_t rewound = std::min(crashed->first, ts(30));
  server_->execute("UPDATE tidb_binlog.arbiter_checkpoint SET ts = " + std::to_string(rewound) +
                   " WHERE topic_name = '" + topic + "'");

  // The producer restarted too (at-least-once): a stretch of the topic again, then new work.
  std::map<int, int> replay_model;
  std::vector<std::string> repeats;
  for (int i = 10; i < 400; ++i) {
    std::string bytes = workload_txn(i, replay_model);
    if (i >= 300) repeats.push_back(std::move(bytes));
  }
  for (int i = 400; i < 450; ++i)
    repeats.push_back(workload_txn(i, model));
  producer_->produce(topic, repeats);

  auto restarted = start_arbiter(topic);
  wait_for_checkpoint(topic, ts(449), *restarted);
  EXPECT_TRUE(log_contains(*restarted, "did not stop cleanly")) << restarted->log_tail();
  EXPECT_EQ(items(), rows_of(model));
  const int status = restarted->terminate(30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << restarted->log_tail();
  EXPECT_EQ(checkpoint(topic), (std::pair<int64_t, int>{ts(449), 0}));
}

TEST_F(ArbiterTest, AMessageThatIsNotABinlogStopsWithItsOffset) {
  const std::string topic = "invalid_obinlog";
  producer_->produce(topic, schema_history(1));                                 // offsets 0..2
  producer_->produce(topic, std::vector<std::string>{"this is not a binlog"});  // offset 3
  producer_->produce(topic, std::vector<std::string>{Txn(5).insert(kTags, {"z", "1"}).bytes()});
  auto arbiter = start_arbiter(topic);
  const auto exited = arbiter->wait_for_exit(120s);
  ASSERT_TRUE(exited.has_value()) << arbiter->log_tail();
  EXPECT_TRUE(WIFEXITED(*exited) && WEXITSTATUS(*exited) == 1);
  EXPECT_TRUE(log_contains(*arbiter,
                           "offset 3 of topic invalid_obinlog partition 0 is not a "
                           "secondary binlog"))
      << arbiter->log_tail();
  EXPECT_EQ(checkpoint(topic), (std::pair<int64_t, int>{ts(3), 1}));
  EXPECT_TRUE(server_->query_rows("SELECT * FROM shop.tags").empty());
}

TEST_F(ArbiterTest, SkipInvalidMessageGoesOn) {
  const std::string topic = "skip_obinlog";
  producer_->produce(topic, schema_history(1));
  producer_->produce(topic, std::vector<std::string>{"this is not a binlog"});
  producer_->produce(topic, std::vector<std::string>{Txn(5).insert(kTags, {"z", "1"}).bytes()});
  auto arbiter = start_arbiter(topic, "skip-invalid-message = true");
  wait_for_checkpoint(topic, ts(5), *arbiter);
  EXPECT_TRUE(log_contains(*arbiter,
                           "offset 3 of topic skip_obinlog partition 0 is not a "
                           "secondary binlog"));
  EXPECT_EQ(server_->query_rows("SELECT * FROM shop.tags"), (Rows{{"z", "1"}}));
  arbiter->terminate(30s);
  EXPECT_EQ(checkpoint(topic), (std::pair<int64_t, int>{ts(5), 0}));
}

TEST_F(ArbiterTest, WaitsForABrokerThatIsDownAtStart) {
  const std::string topic = "down_obinlog";
  producer_->produce(topic, schema_history(1));
  producer_->produce(topic, std::vector<std::string>{Txn(5).insert(kTags, {"d", "4"}).bytes()});
  server_->execute("CREATE DATABASE shop");  // CREATE DATABASE is at initial-commit-ts
  kafka_->set_broker_down(1);
  auto arbiter = start_arbiter(topic, "initial-commit-ts = " + std::to_string(ts(1)));
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!log_contains(*arbiter, "Kafka at") && !log_contains(*arbiter, "no answer from Kafka") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(arbiter->is_running()) << arbiter->log_tail();
  kafka_->set_broker_up(1);
  wait_for_checkpoint(topic, ts(5), *arbiter);
  EXPECT_TRUE(log_contains(*arbiter, "no answer from Kafka") || log_contains(*arbiter, "Kafka at"))
      << arbiter->log_tail();
  // The tables came from the topic, after initial-commit-ts.
  EXPECT_EQ(server_->query_rows("SELECT * FROM shop.tags"), (Rows{{"d", "4"}}));
  arbiter->terminate(30s);
}

TEST_F(ArbiterTest, WaitsForTheDownstreamToComeBack) {
  const std::string topic = "gone_obinlog";
  producer_->produce(topic, schema_history(1));
  auto arbiter = start_arbiter(topic);
  wait_for_checkpoint(topic, ts(3), *arbiter);
  server_->stop();
  producer_->produce(topic, std::vector<std::string>{Txn(5).insert(kTags, {"g", "7"}).bytes()});
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!log_contains(*arbiter, "applying rows downstream") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(log_contains(*arbiter, "retrying every")) << arbiter->log_tail();
  EXPECT_TRUE(arbiter->is_running()) << arbiter->log_tail();
  server_->restart();
  wait_for_checkpoint(topic, ts(5), *arbiter);
  EXPECT_EQ(server_->query_rows("SELECT * FROM shop.tags"), (Rows{{"g", "7"}}));
  const int status = arbiter->terminate(30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << arbiter->log_tail();
  EXPECT_EQ(checkpoint(topic), (std::pair<int64_t, int>{ts(5), 0}));
}

// A server with its stock character set (latin1 / latin1_swedish_ci) downstream.
class ArbiterStockCharsetTest : public ArbiterTest {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<MariadbServer>(MariadbServerOptions{.stock_character_set = true});
    KafkaMockClusterOptions options;
    options.topics.push_back({"charset_obinlog", 1});
    kafka_ = std::make_unique<KafkaMockCluster>(options);
    producer_ = std::make_unique<Producer>(kafka_->bootstrap_servers());
  }

  static std::string show_create(const std::string& what) {
    const Rows rows = server_->query_rows("SHOW CREATE " + what);
    return rows.empty() || rows[0].size() < 2 ? "" : rows[0][1].value_or("");
  }
};

TEST_F(ArbiterStockCharsetTest, CjkAndEmojiArriveIntactFromDdlWithoutACharset) {
  ASSERT_EQ(server_->query_rows("SELECT @@GLOBAL.character_set_server"), (Rows{{"latin1"}}));
  const std::string topic = "charset_obinlog";
  const TableDef notes{"intl", "notes", {{"id", "int"}, {"v", "varchar"}, {"t", "text"}}, "id"};
  producer_->produce(
      topic,
      std::vector<std::string>{
          ddl(1, "intl", "", "CREATE DATABASE intl"),
          ddl(2, "intl", "notes", "CREATE TABLE notes (id INT PRIMARY KEY, v VARCHAR(32), t TEXT)"),
          Txn(3)
              .insert(notes, {"1", "数据库", "😀🚀"})
              .insert(notes, {"2", "😀🚀", "Grüße 数据 😀"})
              .bytes(),
          Txn(4).update(notes, {"1", "数据库", "😀🚀"}, {"1", "数据库", "🚀"}).bytes()});
  auto arbiter = start_arbiter(topic);
  wait_for_checkpoint(topic, ts(4), *arbiter);
  // UTF-8 worked out by hand: 数据库, 😀🚀, 🚀, Grüße 数据 😀.
  EXPECT_EQ(server_->query_rows("SELECT id, HEX(v), HEX(t) FROM intl.notes ORDER BY id"),
            (Rows{{"1", "E695B0E68DAEE5BA93", "F09F9A80"},
                  {"2", "F09F9880F09F9A80", "4772C3BCC39F6520E695B0E68DAE20F09F9880"}}));
  const std::string database = show_create("DATABASE intl");
  EXPECT_NE(database.find("DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"), std::string::npos)
      << database;
  const std::string table = show_create("TABLE intl.notes");
  EXPECT_NE(table.find("DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"), std::string::npos) << table;
  const int status = arbiter->terminate(30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << arbiter->log_tail();
}

}  // namespace
}  // namespace sluice::testing
