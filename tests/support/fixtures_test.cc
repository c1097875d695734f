// Smoke tests for the server fixtures: each starts the real thing on loopback, uses it, and checks
// that nothing is left behind (process reaped, temp dir removed).

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "tests/support/etcd_server.h"
#include "tests/support/kafka_mock_cluster.h"
#include "tests/support/mariadb_server.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

bool pid_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// ---------------------------------------------------------------------------------------------
// MariaDB

TEST(MariadbServerTest, StartQueryRestartAndCleanUp) {
  pid_t pid = -1;
  fs::path base_dir;
  {
    MariadbServer server;
    pid = server.pid();
    base_dir = server.base_dir();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(server.host(), "127.0.0.1");
    EXPECT_GT(server.port(), 0);
    EXPECT_EQ(server.user(), "root");
    EXPECT_EQ(server.url(), "tcp://127.0.0.1:" + std::to_string(server.port()));

    server.execute("CREATE DATABASE smoke");
    server.execute("CREATE TABLE smoke.t (id INT PRIMARY KEY, name VARCHAR(32) NULL)");
    server.execute("INSERT INTO smoke.t VALUES (1, 'one'), (2, NULL), (3, 'tre\xC3\xA9')");
    const std::vector<SqlRow> expected = {{"1", "one"}, {"2", std::nullopt}, {"3", "tre\xC3\xA9"}};
    EXPECT_EQ(server.query_rows("SELECT id, name FROM smoke.t ORDER BY id"), expected);

    {
      auto conn = server.connect("smoke");
      std::unique_ptr<sql::Statement> stmt(conn->createStatement());
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery("SELECT COUNT(*) FROM t"));
      ASSERT_TRUE(rs->next());
      EXPECT_EQ(rs->getInt(1), 3);
    }

    // A graceful restart keeps the datadir and the port.
    const auto port = server.port();
    server.restart();
    EXPECT_EQ(server.port(), port);
    EXPECT_NE(server.pid(), pid);
    EXPECT_FALSE(pid_exists(pid));
    EXPECT_EQ(server.query_rows("SELECT id, name FROM smoke.t ORDER BY id"), expected);

    // A crash (SIGKILL) and restart recovers committed rows.
    server.execute("INSERT INTO smoke.t VALUES (4, 'four')");
    const pid_t before_crash = server.pid();
    server.kill9();
    EXPECT_FALSE(pid_exists(before_crash));
    EXPECT_EQ(server.pid(), -1);
    EXPECT_THROW(server.execute("SELECT 1"), sql::SQLException);
    server.restart();
    EXPECT_EQ(server.query_rows("SELECT COUNT(*) FROM smoke.t"), std::vector<SqlRow>{{"4"}});
    pid = server.pid();
  }
  EXPECT_FALSE(pid_exists(pid));
  EXPECT_FALSE(fs::exists(base_dir));
}

TEST(MariadbServerTest, StartupFailureReportsErrorLog) {
  try {
    MariadbServer server({.extra_args = {"--sluice-no-such-option"}});
    FAIL() << "mariadbd accepted a bogus option";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("during startup; error.log tail:"), std::string::npos) << message;
    EXPECT_NE(message.find("sluice-no-such-option"), std::string::npos) << message;
  }
}

// extra_args come last on the command line, so they override the fixture's defaults.
TEST(MariadbServerTest, ExtraArgsOverrideDefaults) {
  MariadbServer server(
      {.extra_args = {"--log-bin=mysql-bin", "--server-id=7", "--binlog-format=ROW"}});
  EXPECT_EQ(
      server.query_rows("SELECT @@log_bin, @@server_id, @@binlog_format, @@character_set_server"),
      (std::vector<SqlRow>{{"1", "7", "ROW", "utf8mb4"}}));
}

// ---------------------------------------------------------------------------------------------
// etcd

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

nlohmann::json etcd_post(const EtcdServer& etcd, const std::string& path,
                         const nlohmann::json& body) {
  httplib::Client client(etcd.host(), etcd.client_port());
  client.set_read_timeout(std::chrono::seconds(5));
  const auto response = client.Post(path.c_str(), body.dump(), "application/json");
  if (!response) {
    ADD_FAILURE() << "POST " << path << " failed: " << httplib::to_string(response.error());
    return {};
  }
  EXPECT_EQ(response->status, 200) << response->body;
  return nlohmann::json::parse(response->body);
}

TEST(EtcdServerTest, PutGetRestartAndCleanUp) {
  pid_t pid = -1;
  fs::path base_dir;
  {
    EtcdServer etcd;
    pid = etcd.pid();
    base_dir = etcd.base_dir();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(etcd.endpoint(), "127.0.0.1:" + std::to_string(etcd.client_port()));
    EXPECT_EQ(etcd.client_url(), "http://" + etcd.endpoint());
    EXPECT_TRUE(etcd.healthy());

    const std::string key = "/sluice/smoke/key";
    const std::string value = "hello etcd";
    etcd_post(etcd, "/v3/kv/put", {{"key", base64(key)}, {"value", base64(value)}});
    auto range = etcd_post(etcd, "/v3/kv/range", {{"key", base64(key)}});
    ASSERT_TRUE(range.contains("kvs")) << range.dump();
    ASSERT_EQ(range["kvs"].size(), 1u) << range.dump();
    EXPECT_EQ(range["kvs"][0]["key"], base64(key));
    EXPECT_EQ(range["kvs"][0]["value"], base64(value));

    // Restart keeps the data dir (and the data).
    etcd.restart();
    EXPECT_NE(etcd.pid(), pid);
    EXPECT_FALSE(pid_exists(pid));
    range = etcd_post(etcd, "/v3/kv/range", {{"key", base64(key)}});
    ASSERT_TRUE(range.contains("kvs")) << range.dump();
    EXPECT_EQ(range["kvs"][0]["value"], base64(value));

    etcd.kill9();
    EXPECT_FALSE(etcd.healthy());
    etcd.restart();
    EXPECT_TRUE(etcd.healthy());
    pid = etcd.pid();
  }
  EXPECT_FALSE(pid_exists(pid));
  EXPECT_FALSE(fs::exists(base_dir));
}

TEST(EtcdServerTest, StartupFailureReportsLog) {
  try {
    EtcdServer etcd({.extra_args = {"--sluice-no-such-flag"}});
    FAIL() << "etcd accepted a bogus flag";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("during startup; log tail:"), std::string::npos) << message;
    EXPECT_NE(message.find("sluice-no-such-flag"), std::string::npos) << message;
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka (librdkafka mock cluster in a child process)

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using KafkaTopic = std::unique_ptr<rd_kafka_topic_t, RdKafkaDeleter>;

KafkaHandle make_client(rd_kafka_type_t type, const std::string& bootstrap,
                        void (*dr_cb)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  EXPECT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof(errstr)),
            RD_KAFKA_CONF_OK)
      << errstr;
  if (dr_cb != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  EXPECT_NE(rk, nullptr) << errstr;
  return KafkaHandle(rk);
}

int g_delivered = 0;
int g_delivery_errors = 0;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++g_delivery_errors;
  } else {
    ++g_delivered;
  }
}

TEST(KafkaMockClusterTest, ProduceConsumeBrokerControlAndCleanUp) {
  pid_t pid = -1;
  fs::path base_dir;
  {
    KafkaMockCluster kafka({.brokers = 3, .topics = {{"smoke", 1}}});
    pid = kafka.pid();
    base_dir = kafka.base_dir();
    ASSERT_GT(pid, 0);
    ASSERT_FALSE(kafka.bootstrap_servers().empty());
    EXPECT_EQ(kafka.bootstrap_servers().rfind("127.0.0.1:", 0), 0u) << kafka.bootstrap_servers();
    EXPECT_EQ(kafka.environment_entry(), "SLUICE_KAFKA_BOOTSTRAP=" + kafka.bootstrap_servers());

    // Produce three messages from this process over TCP.
    g_delivered = 0;
    g_delivery_errors = 0;
    {
      auto producer = make_client(RD_KAFKA_PRODUCER, kafka.bootstrap_servers(), on_delivery);
      ASSERT_TRUE(producer);
      for (int i = 0; i < 3; ++i) {
        const std::string payload = "message-" + std::to_string(i);
        ASSERT_EQ(
            rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC("smoke"), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
      }
      ASSERT_EQ(rd_kafka_flush(producer.get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
      EXPECT_EQ(g_delivered, 3);
      EXPECT_EQ(g_delivery_errors, 0);
    }

    // Consume them back from partition 0.
    {
      auto consumer = make_client(RD_KAFKA_CONSUMER, kafka.bootstrap_servers());
      ASSERT_TRUE(consumer);
      KafkaTopic topic(rd_kafka_topic_new(consumer.get(), "smoke", nullptr));
      ASSERT_TRUE(topic);
      ASSERT_EQ(rd_kafka_consume_start(topic.get(), 0, RD_KAFKA_OFFSET_BEGINNING), 0);
      std::vector<std::string> received;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (received.size() < 3 && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consume(topic.get(), 0, 500);
        if (message == nullptr) continue;
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          received.emplace_back(static_cast<const char*>(message->payload), message->len);
        }
        rd_kafka_message_destroy(message);
      }
      rd_kafka_consume_stop(topic.get(), 0);
      EXPECT_EQ(received, (std::vector<std::string>{"message-0", "message-1", "message-2"}));
    }

    // Broker control and topic creation through the helper's command channel.
    EXPECT_NO_THROW(kafka.set_broker_down(2));
    EXPECT_NO_THROW(kafka.set_broker_up(2));
    EXPECT_EQ(kafka.send_command("down 1"), "ok");
    EXPECT_EQ(kafka.send_command("up 1"), "ok");
    EXPECT_NO_THROW(kafka.create_topic("other", 4));
    EXPECT_THROW(kafka.set_broker_down(42), std::runtime_error);
    EXPECT_EQ(kafka.send_command("bogus").rfind("error", 0), 0u);
  }
  EXPECT_FALSE(pid_exists(pid));
  EXPECT_FALSE(fs::exists(base_dir));
}

}  // namespace
}  // namespace sluice::testing
