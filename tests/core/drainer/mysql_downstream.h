#pragma once
// Helpers for drainer tests whose sink is a real MariaDB: the original drainer.toml for
// db-type = "mysql" in a TestCluster, row counts, and the tidb_binlog.checkpoint row.
// Header-only; the MariadbServer and TestCluster belong to the test.

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/core/drainer/drainer_cluster.h"
#include "tests/support/mariadb_server.h"

namespace sluice::drainer::test {

// Writes `cluster.path("drainer.toml")`: the drainer "dm" of this cluster with [syncer]
// db-type = "mysql" into `mariadb`; `syncer` is appended to [syncer] (e.g. "txn-batch = 20\n",
// or a "[syncer.relay]" table), `credentials` to [syncer.to] (user, password lines).
inline void write_mysql_drainer_toml(const TestCluster& cluster,
                                     const testing::MariadbServer& mariadb,
                                     const std::string& credentials,
                                     const std::string& syncer = "") {
  std::ofstream(cluster.path("drainer.toml"))
      << "addr = \"127.0.0.1:0\"\n"
      << "data-dir = \"" << cluster.path("dm").string() << "\"\n"
      << "detect-interval = 1\n"
      << "node-id = \"dm\"\n"
      << "registry-dir = \"" << cluster.registry_dir().string() << "\"\n"
      << "cluster-id = " << kClusterId << "\n"
      << "status-addr = \"127.0.0.1:0\"\n"
      << "checkpoint-interval = \"200ms\"\n"
      << "[syncer]\n"
      << "db-type = \"mysql\"\n"
      << syncer << "\n[syncer.to]\n"
      << "host = \"" << mariadb.host() << "\"\n"
      << "port = " << mariadb.port() << "\n"
      << credentials;
}

// The fixture's own account, as [syncer.to] lines.
inline std::string root_credentials(const testing::MariadbServer& mariadb) {
  return "user = \"" + mariadb.user() + "\"\npassword = \"" + mariadb.password() + "\"\n";
}

// Rows in shop.<table>, or -1 while the table does not exist.
inline int64_t shop_rows(const testing::MariadbServer& mariadb, const std::string& table) {
  auto exists = mariadb.query_rows(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND "
      "TABLE_NAME = '" +
      table + "'");
  if (exists.empty() || exists[0][0] != "1") return -1;
  return std::stoll(*mariadb.query_rows("SELECT COUNT(*) FROM shop." + table)[0][0]);
}

// The checkpoint JSON of this cluster in tidb_binlog.checkpoint, or null while there is none.
inline nlohmann::json checkpoint_row(const testing::MariadbServer& mariadb) {
  auto rows =
      mariadb.query_rows("SELECT checkPoint FROM tidb_binlog.checkpoint WHERE clusterID = " +
                         std::to_string(kClusterId));
  if (rows.size() != 1 || !rows[0][0]) return nullptr;
  return nlohmann::json::parse(*rows[0][0]);
}

}  // namespace sluice::drainer::test
