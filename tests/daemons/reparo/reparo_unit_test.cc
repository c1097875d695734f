// Reparo's parts in process: config keys and errors, the filter, datum and pb_binlog decoding
// against hand-worked bytes, DDL splitting, and the replay loop (range, filters, corruption) with
// the print applier over files written by the real file sink.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/proto/pb_binlog.pb.h"
#include "core/tso/tso.h"
#include "daemons/reparo/binlog_directory_reader.h"
#include "daemons/reparo/pb_binlog_decoding.h"
#include "daemons/reparo/reparo_applier.h"
#include "daemons/reparo/reparo_config.h"
#include "daemons/reparo/reparo_filter.h"
#include "daemons/reparo/reparo_runner.h"
#include "plugins/file/binlog_file_format.h"
#include "tests/daemons/reparo/binlog_fixture.h"
#include "tests/support/temp_dir.h"

namespace sluice::reparo {
namespace {

namespace fs = std::filesystem;
using mysql::SqlValue;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values)
    out.push_back(static_cast<char>(value));
  return out;
}

// ---- config ----

TEST(ReparoConfigTest, ReadsTheOriginalKeys) {
  auto config = parse_reparo_config(R"(
data-dir = "/var/binlog"
log-level = "debug"
log-file = "/tmp/reparo.log"
dest-type = "mysql"
txn-batch = 7
worker-count = 3
safe-mode = true
skip-corrupt = true
start-tso = 400000000000000000
stop-tso = 400000000000000099
replicate-do-db = ["shop", "~^logs_"]
replicate-ignore-db = ["tmp"]
[[replicate-do-table]]
db-name = "other"
tbl-name = "t"
[[replicate-ignore-table]]
db-name = "shop"
tbl-name = "~^audit"
[dest-db]
host = "10.0.0.1"
port = 3307
user = "restore"
password = "secret"
)",
                                    "reparo.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->data_dir, "/var/binlog");
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_EQ(config->log_file, "/tmp/reparo.log");
  EXPECT_EQ(config->dest_type, DestType::kMysql);
  EXPECT_EQ(config->txn_batch, 7);
  EXPECT_EQ(config->worker_count, 3);
  EXPECT_TRUE(config->safe_mode);
  EXPECT_TRUE(config->skip_corrupt);
  EXPECT_EQ(config->start_tso, 400000000000000000);
  EXPECT_EQ(config->stop_tso, 400000000000000099);
  EXPECT_EQ(config->replicate_do_db, (std::vector<std::string>{"shop", "~^logs_"}));
  EXPECT_EQ(config->replicate_ignore_db, std::vector<std::string>{"tmp"});
  ASSERT_EQ(config->replicate_do_table.size(), 1u);
  EXPECT_EQ(config->replicate_do_table[0].db_name, "other");
  ASSERT_EQ(config->replicate_ignore_table.size(), 1u);
  EXPECT_EQ(config->replicate_ignore_table[0].tbl_name, "~^audit");
  EXPECT_EQ(config->dest_db.host, "10.0.0.1");
  EXPECT_EQ(config->dest_db.port, 3307);
  EXPECT_EQ(config->dest_db.user, "restore");
  EXPECT_EQ(config->dest_db.password, "secret");
  EXPECT_TRUE(config->document->unknown_keys().empty());
}

TEST(ReparoConfigTest, DefaultsAreTheOriginals) {
  auto config = parse_reparo_config("", "reparo.toml");
  ASSERT_TRUE(config.is_ok());
  EXPECT_EQ(config->dest_type, DestType::kPrint);
  EXPECT_EQ(config->txn_batch, 20);
  EXPECT_EQ(config->worker_count, 16);
  EXPECT_FALSE(config->safe_mode);
  EXPECT_EQ(config->start_tso, 0);
  EXPECT_EQ(config->stop_tso, 0);
  EXPECT_EQ(config->dest_db.port, 3306);
}

TEST(ReparoConfigTest, DatetimesAreLocalTimeTsos) {
  ::setenv("TZ", "Asia/Shanghai", 1);
  ::tzset();
  auto config = parse_reparo_config(
      "start-datetime = \"2024-01-02 08:00:00\"\nstop-datetime = \"2024-01-02 08:00:01\"\n",
      "reparo.toml");
  ::unsetenv("TZ");
  ::tzset();
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  // 2024-01-02 00:00:00 UTC = 1704153600 s; << 18 for the TSO.
  EXPECT_EQ(config->start_tso, int64_t{1704153600000} << 18);
  EXPECT_EQ(config->stop_tso, int64_t{1704153601000} << 18);
}

void expect_config_error(const std::string& text, const std::string& key) {
  auto config = parse_reparo_config(text, "reparo.toml");
  ASSERT_FALSE(config.is_ok()) << text;
  EXPECT_NE(config.status().message().find("key '" + key + "'"), std::string::npos)
      << config.status().message();
}

TEST(ReparoConfigTest, ErrorsNameTheKey) {
  expect_config_error("dest-type = \"oracle\"\n", "dest-type");
  expect_config_error("txn-batch = \"many\"\n", "txn-batch");
  expect_config_error("txn-batch = 0\n", "txn-batch");
  expect_config_error("worker-count = 0\n", "worker-count");
  expect_config_error("start-datetime = \"yesterday\"\n", "start-datetime");
  expect_config_error("start-tso = 5\nstart-datetime = \"2024-01-02 08:00:00\"\n",
                      "start-datetime");
  expect_config_error("start-tso = 50\nstop-tso = 10\n", "stop-tso");
  expect_config_error("replicate-do-db = [\"~(\"]\n", "replicate-do-db");
  expect_config_error("[[replicate-do-table]]\ndb-name = \"x\"\n",
                      "replicate-do-table[0].tbl-name");
  expect_config_error("[dest-db]\nport = 70000\n", "dest-db.port");
  expect_config_error("safe-mode = \"yes\"\n", "safe-mode");
}

// ---- filter ----

ReparoFilter filter_of(const std::string& text) {
  auto config = parse_reparo_config(text, "reparo.toml");
  EXPECT_TRUE(config.is_ok()) << config.status().to_string();
  auto filter = ReparoFilter::create(*config);
  EXPECT_TRUE(filter.is_ok());
  return std::move(filter).value();
}

TEST(ReparoFilterTest, EmptyAllowsEverything) {
  const ReparoFilter filter = filter_of("");
  EXPECT_TRUE(filter.allows("shop", "items"));
  EXPECT_TRUE(filter.allows("shop", ""));
}

TEST(ReparoFilterTest, DoDbAndDoTableAreAnAllowListIgnoreIsABlockList) {
  const ReparoFilter filter = filter_of(R"(
replicate-do-db = ["Shop", "~^logs_"]
replicate-ignore-db = ["logs_old"]
[[replicate-do-table]]
db-name = "other"
tbl-name = "t"
[[replicate-ignore-table]]
db-name = "shop"
tbl-name = "~^audit"
)");
  EXPECT_TRUE(filter.allows("shop", "items"));  // do-db, case-insensitive
  EXPECT_TRUE(filter.allows("SHOP", "Items"));
  EXPECT_FALSE(filter.allows("shop", "audit_log"));  // ignore-table regex
  EXPECT_TRUE(filter.allows("shop", "my_audit"));    // ^ anchors the regex
  EXPECT_TRUE(filter.allows("logs_2024", "x"));      // do-db regex
  EXPECT_FALSE(filter.allows("logs_old", "x"));      // ignore-db wins
  EXPECT_TRUE(filter.allows("other", "T"));          // do-table
  EXPECT_FALSE(filter.allows("other", "u"));
  EXPECT_TRUE(filter.allows("other", ""));  // CREATE DATABASE other: a do-table names it
  EXPECT_FALSE(filter.allows("third", ""));
  EXPECT_FALSE(filter.allows("myshop", "items"));  // exact names are whole names
}

// ---- decoding ----

TEST(PbBinlogDecodingTest, DatumValuesWorkedOutByHand) {
  auto decode = [](const std::string& data) {
    auto value = decode_datum(data);
    EXPECT_TRUE(value.is_ok()) << value.status().to_string();
    return value.is_ok() ? *value : SqlValue(std::string("<error>"));
  };
  EXPECT_EQ(decode(bytes({0x00})), SqlValue());
  EXPECT_EQ(decode(bytes({0x08, 0x02})), SqlValue(int64_t{1}));          // zigzag 2 = 1
  EXPECT_EQ(decode(bytes({0x08, 0x03})), SqlValue(int64_t{-2}));         // zigzag 3 = -2
  EXPECT_EQ(decode(bytes({0x08, 0xAC, 0x02})), SqlValue(int64_t{150}));  // 300 zigzag
  EXPECT_EQ(decode(bytes({0x09, 0xAC, 0x02})), SqlValue(uint64_t{300}));
  EXPECT_EQ(decode(bytes({0x02, 0x06, 'a', 'b', 'c'})), SqlValue(std::string("abc")));
  EXPECT_EQ(decode(bytes({0x02, 0x00})), SqlValue(std::string()));
  // 1.0 = 0x3FF0000000000000, stored with the sign bit set; -2.0 = 0xC000.. stored flipped.
  EXPECT_EQ(decode(bytes({0x05, 0xBF, 0xF0, 0, 0, 0, 0, 0, 0})), SqlValue(1.0));
  EXPECT_EQ(decode(bytes({0x05, 0x3F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})), SqlValue(-2.0));
  EXPECT_EQ(decode(bytes({0x03, 0x80, 0, 0, 0, 0, 0, 0, 0x05})), SqlValue(int64_t{5}));
  EXPECT_EQ(decode(bytes({0x04, 0, 0, 0, 0, 0, 0, 0x01, 0x00})), SqlValue(uint64_t{256}));
  // Memcomparable "ab": one group padded with 6 zeros, marker 0xFF - 6.
  EXPECT_EQ(decode(bytes({0x01, 'a', 'b', 0, 0, 0, 0, 0, 0, 0xF9})), SqlValue(std::string("ab")));

  EXPECT_EQ(decode_datum(bytes({0x02, 0x08, 'a'})).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_datum(bytes({0x08, 0x02, 0x00})).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_datum(bytes({0x63})).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_datum("").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_datum(bytes({0x06, 0x01})).status().code(), StatusCode::kUnsupported);
}

TEST(PbBinlogDecodingTest, UpdateValueIsOldChangedValueIsNew) {
  // A Binlog marshalled by hand from the proto field numbers:
  //   column { name "id"  tp [8] mysql_type "bigint" value 08 02 changed_value 08 04 }
  const std::string column = bytes({0x0A, 2,   'i', 'd',  0x12, 1,    8,    0x1A, 6, 'b',  'i', 'g',
                                    'i',  'n', 't', 0x22, 2,    0x08, 0x02, 0x2A, 2, 0x08, 0x04});
  std::string event = bytes({0x0A, 1, 's', 0x12, 1, 't', 0x18, 1, 0x22});
  event.push_back(static_cast<char>(column.size()));
  event += column;
  std::string dml = bytes({0x0A});
  dml.push_back(static_cast<char>(event.size()));
  dml += event;
  std::string binlog = bytes({0x08, 0x00, 0x10, 0x96, 0x01, 0x1A});  // tp DML, commit_ts 150
  binlog.push_back(static_cast<char>(dml.size()));
  binlog += dml;

  auto decoded = decode_pb_binlog(binlog);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_FALSE(decoded->is_ddl);
  EXPECT_EQ(decoded->commit_ts, 150);
  ASSERT_EQ(decoded->events.size(), 1u);
  const DecodedEvent& e = decoded->events[0];
  EXPECT_EQ(e.schema, "s");
  EXPECT_EQ(e.table, "t");
  EXPECT_EQ(e.type, RowChange::kUpdate);
  ASSERT_EQ(e.columns.size(), 1u);
  EXPECT_EQ(e.columns[0].name, "id");
  EXPECT_EQ(e.columns[0].mysql_type, 8);
  EXPECT_EQ(e.columns[0].type_name, "bigint");
  EXPECT_EQ(e.columns[0].value, SqlValue(int64_t{1}));
  EXPECT_EQ(e.columns[0].changed_value, SqlValue(int64_t{2}));

  EXPECT_EQ(decode_pb_binlog(bytes({0x0A, 0x05, 'x'})).status().code(), StatusCode::kCorruption);
}

TEST(PbBinlogDecodingTest, DdlQuerySplitsUseAndNamesTheTable) {
  auto check = [](const std::string& text, const std::string& schema, const std::string& table,
                  const std::string& query) {
    const DdlTarget target = split_ddl_query(text);
    EXPECT_EQ(target.schema, schema) << text;
    EXPECT_EQ(target.table, table) << text;
    EXPECT_EQ(target.query, query) << text;
  };
  check("use `shop`; CREATE TABLE items (id INT);", "shop", "items", "CREATE TABLE items (id INT)");
  check("use `we``ird`; alter table `t``1` add c int;", "we`ird", "t`1",
        "alter table `t``1` add c int");
  check("CREATE DATABASE IF NOT EXISTS shop;", "shop", "", "CREATE DATABASE IF NOT EXISTS shop");
  check("use `a`; DROP TABLE IF EXISTS b.c;", "b", "c", "DROP TABLE IF EXISTS b.c");
  check("use `a`; CREATE UNIQUE INDEX k ON t (c);", "a", "t", "CREATE UNIQUE INDEX k ON t (c)");
  check("use `a`; TRUNCATE TABLE t;", "a", "t", "TRUNCATE TABLE t");
  check("use `a`; DROP DATABASE a;", "a", "", "DROP DATABASE a");
}

// ---- the replay loop over real files ----

class ReparoRunTest : public ::testing::Test {
 protected:
  fs::path dir() const { return work_.file("binlog"); }

  ReparoConfig config(const std::string& extra = "") {
    auto parsed = parse_reparo_config("data-dir = \"" + dir().string() + "\"\n" + extra, "t.toml");
    EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    return std::move(parsed).value();
  }

  // Runs the loop with the print applier; the printed lines, or the error.
  Result<std::vector<std::string>> print(const ReparoConfig& config) {
    auto filter = ReparoFilter::create(config);
    if (!filter.is_ok()) return filter.status();
    std::ostringstream out;
    PrintApplier applier(out);
    auto summary = run_reparo(config, *filter, applier);
    if (!summary.is_ok()) return summary.status();
    summary_ = *summary;
    std::vector<std::string> lines;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }

  static std::vector<int64_t> commit_timestamps(const std::vector<std::string>& lines) {
    std::vector<int64_t> out;
    for (const std::string& line : lines) {
      const int64_t ts = std::stoll(line.substr(0, line.find(' ')));
      if (out.empty() || out.back() != ts) out.push_back(ts);
    }
    return out;
  }

  // Offsets of each record of `file`.
  static std::vector<uint64_t> record_offsets(const fs::path& file) {
    std::vector<uint64_t> offsets;
    auto reader = file::BinlogFileReader::open(file);
    EXPECT_TRUE(reader.is_ok());
    std::string payload;
    for (;;) {
      const uint64_t at = reader->offset();
      auto more = reader->next(payload);
      if (!more.is_ok() || !*more) break;
      offsets.push_back(at);
    }
    return offsets;
  }

  static void flip_byte(const fs::path& file, uint64_t at) {
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    stream.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    stream.read(&c, 1);
    c = static_cast<char>(c ^ 0x5A);
    stream.seekp(static_cast<std::streamoff>(at));
    stream.write(&c, 1);
  }

  sluice::testing::TempDir work_{"reparo-unit-"};
  ReparoSummary summary_;
};

TEST_F(ReparoRunTest, PrintsEveryEventInCommitOrder) {
  testing::write_shop_history(dir(), 400);  // small files: the history spans several
  auto files = file::list_binlog_files(dir());
  ASSERT_TRUE(files.is_ok());
  EXPECT_GT(files->size(), 2u);
  auto lines = print(config());
  ASSERT_TRUE(lines.is_ok()) << lines.status().to_string();
  const std::vector<std::string> expected = {
      "100 DDL `shop`: CREATE DATABASE shop",
      "105 DDL `other`: CREATE DATABASE other",
      "110 DDL `shop`: CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(32) NULL, price "
      "DECIMAL(10,2), created DATETIME, data VARBINARY(16) NULL, score DOUBLE NULL)",
      "115 DDL `other`: CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(8))",
      "120 INSERT `shop`.`items` id=1, name='apple', price='1.50', created='2024-01-02 03:04:05', "
      "data=X'00FF275C', score=0.5",
      "120 INSERT `shop`.`items` id=2, name='pear', price='20.00', created='2024-02-03 04:05:06', "
      "data=X'6162', score=-2.25",
      "120 INSERT `shop`.`items` id=3, name=NULL, price='0.01', created='2024-03-04 05:06:07', "
      "data=NULL, score=10000000000",
      "120 INSERT `other`.`t` id=1, v='a'",
      "130 UPDATE `shop`.`items` id=1 => 1, name='apple' => 'it\\'s', price='1.50' => '1.50', "
      "created='2024-01-02 03:04:05' => '2024-01-02 03:04:05', data=X'00FF275C' => X'00FF275C', "
      "score=0.5 => 0.5",
      "130 UPDATE `shop`.`items` id=2 => 20, name='pear' => 'pear', price='20.00' => '20.00', "
      "created='2024-02-03 04:05:06' => '2024-02-03 04:05:06', data=X'6162' => X'6162', "
      "score=-2.25 => -2.25",
      "130 DELETE `shop`.`items` id=3, name=NULL, price='0.01', created='2024-03-04 05:06:07', "
      "data=NULL, score=10000000000",
      "140 DDL `shop`: ALTER TABLE items ADD COLUMN note VARCHAR(16) NULL",
      "150 INSERT `shop`.`items` id=4, name='kiwi', price='3.25', created='2024-05-06 07:08:09', "
      "data=X'01', score=NULL, note='new'",
      "150 UPDATE `shop`.`items` id=1 => 1, name='it\\'s' => 'it\\'s', price='1.50' => '1.50', "
      "created='2024-01-02 03:04:05' => '2024-01-02 03:04:05', data=X'00FF275C' => X'00FF275C', "
      "score=0.5 => 0.5, note=NULL => 'x'",
      "150 INSERT `other`.`t` id=2, v='b'",
      "160 DELETE `shop`.`items` id=20, name='pear', price='20.00', created='2024-02-03 04:05:06', "
      "data=X'6162', score=-2.25, note=NULL",
  };
  EXPECT_EQ(*lines, expected);
  EXPECT_EQ(summary_.records, 9u);
  EXPECT_EQ(summary_.binlogs_applied, 9u);
}

TEST_F(ReparoRunTest, KeepsCommitTsWithinStartAndStopInclusive) {
  testing::write_shop_history(dir(), 400);
  auto lines = print(config("start-tso = 115\nstop-tso = 140\n"));
  ASSERT_TRUE(lines.is_ok()) << lines.status().to_string();
  EXPECT_EQ(commit_timestamps(*lines), (std::vector<int64_t>{115, 120, 130, 140}));
  lines = print(config("start-tso = 141\n"));
  ASSERT_TRUE(lines.is_ok());
  EXPECT_EQ(commit_timestamps(*lines), (std::vector<int64_t>{150, 160}));
  lines = print(config("stop-tso = 99\n"));
  ASSERT_TRUE(lines.is_ok());
  EXPECT_TRUE(lines->empty());
}

TEST_F(ReparoRunTest, FiltersRowsAndDdl) {
  testing::write_shop_history(dir());
  auto lines = print(config("replicate-do-db = [\"other\"]\n"));
  ASSERT_TRUE(lines.is_ok()) << lines.status().to_string();
  EXPECT_EQ(*lines,
            (std::vector<std::string>{
                "105 DDL `other`: CREATE DATABASE other",
                "115 DDL `other`: CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(8))",
                "120 INSERT `other`.`t` id=1, v='a'", "150 INSERT `other`.`t` id=2, v='b'"}));
  lines = print(config("[[replicate-ignore-table]]\ndb-name = \"SHOP\"\ntbl-name = \"~^it\"\n"));
  ASSERT_TRUE(lines.is_ok());
  EXPECT_EQ(commit_timestamps(*lines), (std::vector<int64_t>{100, 105, 115, 120, 150}));
  for (const std::string& line : *lines)
    EXPECT_EQ(line.find("items"), std::string::npos) << line;
}

TEST_F(ReparoRunTest, CorruptRecordMidFileStopsWithFileAndOffsetUnlessSkipped) {
  testing::write_shop_history(dir());
  auto files = file::list_binlog_files(dir());
  ASSERT_TRUE(files.is_ok());
  ASSERT_EQ(files->size(), 1u);
  const fs::path file = (*files)[0].path;
  const std::vector<uint64_t> offsets = record_offsets(file);
  ASSERT_EQ(offsets.size(), 9u);
  flip_byte(file, offsets[4] + 20);  // inside the payload of the record of commit_ts 120

  auto lines = print(config());
  ASSERT_FALSE(lines.is_ok());
  EXPECT_EQ(lines.status().code(), StatusCode::kCorruption);
  EXPECT_NE(lines.status().message().find(file.string()), std::string::npos);
  EXPECT_NE(lines.status().message().find("offset " + std::to_string(offsets[4])),
            std::string::npos)
      << lines.status().message();

  lines = print(config("skip-corrupt = true\n"));
  ASSERT_TRUE(lines.is_ok()) << lines.status().to_string();
  EXPECT_EQ(commit_timestamps(*lines),
            (std::vector<int64_t>{100, 105, 110, 115, 130, 140, 150, 160}));
  EXPECT_EQ(summary_.skipped_corrupt, 1u);
}

TEST_F(ReparoRunTest, TornTailOfTheNewestFileEndsTheReadingWithAWarning) {
  testing::write_shop_history(dir(), 400);
  auto files = file::list_binlog_files(dir());
  ASSERT_TRUE(files.is_ok());
  const fs::path newest = files->back().path;
  fs::resize_file(newest, fs::file_size(newest) - 3);  // the last record (160) cut short
  auto lines = print(config());
  ASSERT_TRUE(lines.is_ok()) << lines.status().to_string();
  EXPECT_EQ(commit_timestamps(*lines),
            (std::vector<int64_t>{100, 105, 110, 115, 120, 130, 140, 150}));
  EXPECT_TRUE(summary_.torn_tail);
}

TEST_F(ReparoRunTest, AMissingDataDirIsAnError) {
  auto lines = print(config());
  ASSERT_FALSE(lines.is_ok());
  EXPECT_NE(lines.status().message().find(dir().string()), std::string::npos);
}

}  // namespace
}  // namespace sluice::reparo
