// The ts-map's TiDB-only path: SHOW MASTER STATUS answers as TiDB, MySQL and MariaDB give them
// (written out by hand from their documented shapes), and when the probe asks.
#include "plugins/tidb/ts_map.h"

#include <errmsg.h>
#include <gtest/gtest.h>
#include <mysqld_error.h>

#include <string>
#include <vector>

namespace sluice::tidb {
namespace {

using mysql::SqlError;
using mysql::SqlRow;

std::vector<SqlRow> tidb_answer(const std::string& position) {
  return {SqlRow{"tidb-binlog", position, "", "", ""}};
}

TEST(TsMapTest, OnlyTidbsAnswerCarriesATso) {
  EXPECT_EQ(tso_from_master_status(tidb_answer("416916363252072450")), 416916363252072450);
  // MariaDB/MySQL with a binary log: a file name and a byte offset.
  EXPECT_EQ(tso_from_master_status({SqlRow{"mysql-bin.000003", "1337", "", ""}}), std::nullopt);
  // Binary log off: no row.
  EXPECT_EQ(tso_from_master_status({}), std::nullopt);
  EXPECT_EQ(tso_from_master_status(tidb_answer("0")), std::nullopt);
  EXPECT_EQ(tso_from_master_status(tidb_answer("-5")), std::nullopt);
  EXPECT_EQ(tso_from_master_status(tidb_answer("41691636325207245x")), std::nullopt);
  EXPECT_EQ(tso_from_master_status(tidb_answer("99999999999999999999")), std::nullopt);
  EXPECT_EQ(tso_from_master_status({SqlRow{"tidb-binlog", std::nullopt}}), std::nullopt);
  EXPECT_EQ(tso_from_master_status({SqlRow{"tidb-binlog"}}), std::nullopt);
}

TEST(TsMapTest, ProbesAtMostOncePerIntervalAndPairsTheCommittedTs) {
  constexpr int64_t kMinute = 60'000'000'000;
  TsMapProbe probe(kMinute);
  int asked = 0;
  int64_t tso = 1000;
  const TsMapProbe::Query query = [&](std::vector<SqlRow>& rows) -> std::optional<SqlError> {
    ++asked;
    rows = tidb_answer(std::to_string(tso));
    return std::nullopt;
  };
  std::string error;
  EXPECT_EQ(probe.probe(query, 50, 0, error), TsMapProbe::Outcome::kMapped);
  EXPECT_EQ(probe.last(), (TsMap{50, 1000}));
  tso = 2000;
  EXPECT_EQ(probe.probe(query, 60, kMinute - 1, error), TsMapProbe::Outcome::kNotDue);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(probe.probe(query, 70, kMinute, error), TsMapProbe::Outcome::kMapped);
  EXPECT_EQ(probe.last(), (TsMap{70, 2000}));
  EXPECT_EQ(asked, 2);
}

TEST(TsMapTest, AServerThatIsNotTidbIsAskedOnce) {
  TsMapProbe probe(1);
  int asked = 0;
  const TsMapProbe::Query mariadb = [&](std::vector<SqlRow>& rows) -> std::optional<SqlError> {
    ++asked;
    rows = {SqlRow{"mariadb-bin.000001", "328", "", ""}};
    return std::nullopt;
  };
  std::string error;
  EXPECT_EQ(probe.probe(mariadb, 10, 0, error), TsMapProbe::Outcome::kNotTidb);
  EXPECT_NE(error.find("mariadb-bin.000001"), std::string::npos) << error;
  EXPECT_EQ(probe.probe(mariadb, 20, 100, error), TsMapProbe::Outcome::kNotDue);
  EXPECT_EQ(asked, 1);
  EXPECT_TRUE(probe.disabled());
  EXPECT_FALSE(probe.last().has_value());

  // Refused outright (no privilege): the same, for good.
  TsMapProbe refused(1);
  const TsMapProbe::Query denied = [](std::vector<SqlRow>&) -> std::optional<SqlError> {
    return SqlError{ER_SPECIFIC_ACCESS_DENIED_ERROR, "Access denied; you need BINLOG MONITOR"};
  };
  EXPECT_EQ(refused.probe(denied, 10, 0, error), TsMapProbe::Outcome::kNotTidb);
  EXPECT_TRUE(refused.disabled());
}

TEST(TsMapTest, ALostConnectionIsTriedAgainAtTheNextInterval) {
  TsMapProbe probe(10);
  bool up = false;
  const TsMapProbe::Query query = [&](std::vector<SqlRow>& rows) -> std::optional<SqlError> {
    if (!up) return SqlError{CR_SERVER_LOST, "Lost connection to server during query"};
    rows = tidb_answer("77");
    return std::nullopt;
  };
  std::string error;
  EXPECT_EQ(probe.probe(query, 1, 0, error), TsMapProbe::Outcome::kQueryFailed);
  EXPECT_NE(error.find("2013"), std::string::npos) << error;
  up = true;
  EXPECT_EQ(probe.probe(query, 2, 5, error), TsMapProbe::Outcome::kNotDue);
  EXPECT_EQ(probe.probe(query, 3, 10, error), TsMapProbe::Outcome::kMapped);
  EXPECT_EQ(probe.last(), (TsMap{3, 77}));
}

}  // namespace
}  // namespace sluice::tidb
