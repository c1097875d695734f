#pragma once
// The fixture shared by the mysql sink's integration tests: one MariaDB server per test binary
// (started in SetUpTestSuite), a database per test named after it, the plugin loaded through the
// SDK's fake host. Single-threaded, as gtest runs tests.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/mysql/mysql_connection.h"
#include "tests/support/mariadb_server.h"

// The plugin under test: mysql.so, or another sink built on the same loader (tests/plugins/tidb
// defines SQL_SINK_PLUGIN as tidb.so).
#ifndef SQL_SINK_PLUGIN
#define SQL_SINK_PLUGIN MYSQL_SINK_PLUGIN
#endif

namespace sluice::mysql::sink_test {

using namespace std::string_literals;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::ColumnSpec;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::KeySpec;
using sluice::sdk::testing::OwnedValue;
using sluice::sdk::testing::PluginInstance;
using sluice::sdk::testing::TableSpec;
using sluice::testing::MariadbServer;
using sluice::testing::SqlRow;

constexpr uint32_t kLong = 3;
constexpr uint32_t kVarchar = 15;
constexpr uint32_t kBlob = 252;
constexpr uint32_t kDouble = 5;
constexpr uint32_t kLongLong = 8;

// Upper-case hex digits of `bytes`, as MariaDB's HEX() prints them.
inline std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

inline SqlRow row(std::initializer_list<std::optional<std::string>> values) {
  return SqlRow(values);
}

class MysqlSinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<MariadbServer>(); }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_->is_running()) server_->restart();
    db_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    server_->execute("DROP DATABASE IF EXISTS `" + db_ + "`");
    descriptor_ = host_.load_plugin(SQL_SINK_PLUGIN);
  }
  void TearDown() override { sinks_.clear(); }

  FakeConfig config(int64_t workers = 4, int64_t txn_batch = 3) const {
    return FakeConfig{{"host", server_->host()}, {"port", static_cast<int64_t>(server_->port())},
                      {"user", server_->user()}, {"password", server_->password()},
                      {"read-timeout", "10s"},   {"worker-count", workers},
                      {"txn-batch", txn_batch}};
  }

  PluginInstance& sink(const FakeConfig& config, int64_t checkpoint = 0) {
    sinks_.push_back(std::make_unique<PluginInstance>(host_, descriptor_,
                                                      "mysql-" + std::to_string(sinks_.size())));
    PluginInstance& instance = *sinks_.back();
    const auto created = instance.create(config);
    EXPECT_TRUE(created.ok()) << created.describe();
    const auto opened = instance.open(checkpoint);
    EXPECT_TRUE(opened.ok()) << opened.describe();
    return instance;
  }

  // Writes and flushes; expects both OK and returns the durable watermark.
  static int64_t apply(PluginInstance& instance, BatchBuilder& builder, int64_t durable = 0) {
    const auto written = instance.write(builder.build());
    EXPECT_TRUE(written.ok()) << written.describe();
    const auto flushed = instance.flush(durable);
    EXPECT_TRUE(flushed.ok()) << flushed.describe();
    return durable;
  }

  static void ddl(PluginInstance& instance, int64_t ts, const std::string& schema,
                  const std::string& query) {
    BatchBuilder builder;
    builder.begin_transaction(ts, ts - 1, SLUICE_TXN_DDL).ddl(schema, "", query);
    EXPECT_EQ(apply(instance, builder, 0), ts) << query;
  }

  void create_items(PluginInstance& instance, int64_t ts) {
    ddl(instance, ts, db_, "CREATE DATABASE `" + db_ + "`");
    ddl(instance, ts + 1, db_,
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64), k INT, UNIQUE KEY uk_k (k))");
  }
  TableSpec items_spec(const std::string& db) const {
    return {db,
            "items",
            1,
            {{"id", kLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int"},
             {"name", kVarchar, 0, "varchar", 64, -1, "utf8mb4"},
             {"k", kLong, SLUICE_COLUMN_UNIQUE_KEY, "int"}},
            {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}, KeySpec{"uk_k", SLUICE_KEY_UNIQUE, {2}}}};
  }
  std::vector<SqlRow> rows(const std::string& query) const { return server_->query_rows(query); }
  // For tests of the loader's classes without the plugin.
  static ConnectionOptions connection_options() {
    ConnectionOptions options;
    options.host = server_->host();
    options.port = server_->port();
    options.user = server_->user();
    options.password = server_->password();
    return options;
  }

  static inline std::unique_ptr<MariadbServer> server_;
  FakeHost host_;
  const sluice_plugin_descriptor_t* descriptor_ = nullptr;
  std::vector<std::unique_ptr<PluginInstance>> sinks_;
  std::string db_;
};

}  // namespace sluice::mysql::sink_test
