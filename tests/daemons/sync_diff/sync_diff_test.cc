// sluice-sync-diff against a real MariaDB: two schemas of one server (ref and copy) compared as
// source and target, through the library (summary counts worked out by hand) and through the
// binary (exit codes 0 / 1 / 2 and the printed rows).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "daemons/sync_diff/table_diff.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/temp_dir.h"

namespace sluice::sync_diff {
namespace {

std::filesystem::path binary() {
  const char* dir = std::getenv("SLUICE_BINARY_DIR");
  if (dir != nullptr && *dir != '\0') {
    return std::filesystem::path(dir) / "bin" / "sluice-sync-diff";
  }
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" /
         "sluice-sync-diff";
}

class SyncDiffTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new testing::MariadbServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // ref and copy, each with: t (int key, 25 rows), pair (two-column key, 10 rows), nokey
  // (no key, 3 rows, one of them twice).
  void SetUp() override {
    for (const std::string schema : {"ref", "copy"}) {
      server_->execute("DROP DATABASE IF EXISTS " + schema);
      server_->execute("CREATE DATABASE " + schema);
      server_->execute("CREATE TABLE " + schema +
                       ".t (id INT PRIMARY KEY, name VARCHAR(32) NOT NULL, qty INT NULL)");
      server_->execute("CREATE TABLE " + schema +
                       ".pair (a INT, b VARCHAR(8), v INT, PRIMARY KEY (a, b))");
      server_->execute("CREATE TABLE " + schema + ".nokey (x INT, y VARCHAR(8))");
      std::string rows;
      for (int id = 1; id <= 25; ++id) {
        rows += (id == 1 ? "" : ", ") + std::string("(") + std::to_string(id) + ", 'name-" +
                std::to_string(id) + "', " + (id % 5 == 0 ? "NULL" : std::to_string(id * 10)) + ")";
      }
      server_->execute("INSERT INTO " + schema + ".t VALUES " + rows);
      server_->execute("INSERT INTO " + schema +
                       ".pair VALUES (1,'a',1),(1,'b',2),(1,'c',3),(2,'a',4),(2,'b',5),"
                       "(3,'a',6),(3,'b',7),(3,'c',8),(3,'d',9),(4,'a',10)");
      server_->execute("INSERT INTO " + schema + ".nokey VALUES (1,'x'),(1,'x'),(2,NULL)");
    }
  }

  DiffOptions options() const {
    DiffOptions options;
    options.source.host = server_->host();
    options.source.port = server_->port();
    options.source.user = server_->user();
    options.source.password = server_->password();
    options.target = options.source;
    options.schemas = {{"ref", "copy"}};
    options.chunk_size = 4;
    return options;
  }

  DiffSummary diff(std::string* printed = nullptr) {
    std::ostringstream out;
    auto summary = compare_databases(options(), out);
    EXPECT_TRUE(summary.is_ok()) << summary.status().to_string();
    if (printed != nullptr) *printed = out.str();
    return summary.is_ok() ? *summary : DiffSummary{};
  }

  // Runs the binary; returns its exit code and fills `output` (stdout and stderr).
  int run(std::vector<std::string> arguments, std::string* output) {
    testing::ChildProcessOptions child_options;
    child_options.argv = {binary().string(),
                          "--source-host",
                          server_->host(),
                          "--source-port",
                          std::to_string(server_->port()),
                          "--target-host",
                          server_->host(),
                          "--target-port",
                          std::to_string(server_->port()),
                          "--chunk-size",
                          "4"};
    for (auto& argument : arguments)
      child_options.argv.push_back(std::move(argument));
    child_options.log_file = dir_.file("out.log");
    std::filesystem::remove(child_options.log_file);
    testing::ChildProcess child(child_options);
    auto status = child.wait_for_exit(std::chrono::seconds(60));
    std::ifstream in(child_options.log_file);
    *output = std::string(std::istreambuf_iterator<char>(in), {});
    if (!status || !WIFEXITED(*status)) return -1;
    return WEXITSTATUS(*status);
  }

  static testing::MariadbServer* server_;
  testing::TempDir dir_{"sync-diff-test-"};
};

testing::MariadbServer* SyncDiffTest::server_ = nullptr;

TEST_F(SyncDiffTest, EqualSchemasAreEqualChunkByChunk) {
  std::string printed;
  DiffSummary summary = diff(&printed);
  EXPECT_TRUE(summary.equal()) << printed;
  EXPECT_EQ(summary.tables_compared, 3);
  // t: 25 rows in chunks of 4 -> bounds after rows 4, 8, ..., 24 -> 7 chunks; pair: 10 rows ->
  // bounds after rows 4 and 8 -> 3 chunks; nokey: one whole-table checksum.
  EXPECT_EQ(summary.chunks_checked, 7 + 3 + 1);
  EXPECT_EQ(summary.chunks_differing, 0);

  std::string output;
  EXPECT_EQ(run({"--schema", "ref=copy"}, &output), 0) << output;
  EXPECT_NE(output.find("equal: 3 table(s) compared, 0 differ"), std::string::npos) << output;
}

TEST_F(SyncDiffTest, ChangedValueIsPrintedWithBothValues) {
  server_->execute("UPDATE copy.t SET name = 'zzz' WHERE id = 7");
  server_->execute("UPDATE copy.t SET qty = 5 WHERE id = 10");  // NULL on the source
  std::string printed;
  DiffSummary summary = diff(&printed);
  EXPECT_FALSE(summary.equal());
  EXPECT_EQ(summary.rows_changed, 2);
  EXPECT_EQ(summary.rows_missing, 0);
  EXPECT_EQ(summary.rows_extra, 0);
  // Rows 7 and 10 lie in the chunks (4, 8] and (8, 12].
  EXPECT_EQ(summary.chunks_differing, 2);
  EXPECT_NE(printed.find("~ ref.t / copy.t: row differs: id='7': name: 'name-7' on the source, "
                         "'zzz' on the target"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("row differs: id='10': qty: NULL on the source, '5' on the target"),
            std::string::npos)
      << printed;

  std::string output;
  EXPECT_EQ(run({"--schema", "ref=copy"}, &output), 1) << output;
  EXPECT_NE(output.find("id='7': name: 'name-7' on the source, 'zzz' on the target"),
            std::string::npos)
      << output;
}

TEST_F(SyncDiffTest, MissingAndExtraRowsAreNamed) {
  server_->execute("DELETE FROM copy.t WHERE id = 13");
  server_->execute("INSERT INTO copy.t VALUES (100, 'new', 1)");
  server_->execute("DELETE FROM copy.pair WHERE a = 3 AND b = 'c'");
  std::string printed;
  DiffSummary summary = diff(&printed);
  EXPECT_EQ(summary.rows_missing, 2);
  EXPECT_EQ(summary.rows_extra, 1);
  EXPECT_EQ(summary.rows_changed, 0);
  EXPECT_EQ(summary.tables_differing, 2);
  EXPECT_NE(printed.find("- ref.t / copy.t: row missing on the target: id='13' (id='13', "
                         "name='name-13', qty='130')"),
            std::string::npos)
      << printed;
  // 100 is past the last bound (24): found by the open-ended last chunk.
  EXPECT_NE(printed.find("+ ref.t / copy.t: extra row on the target: id='100' (id='100', "
                         "name='new', qty='1')"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("- ref.pair / copy.pair: row missing on the target: a='3', b='c'"),
            std::string::npos)
      << printed;

  std::string output;
  EXPECT_EQ(run({"--schema", "ref=copy"}, &output), 1) << output;
  EXPECT_NE(output.find("extra row on the target: id='100'"), std::string::npos) << output;
}

TEST_F(SyncDiffTest, TablesWithoutKeyAreComparedAsMultisets) {
  // One of the two (1,'x') rows goes, a NULL becomes ''.
  server_->execute("DELETE FROM copy.nokey WHERE x = 1 LIMIT 1");
  server_->execute("UPDATE copy.nokey SET y = '' WHERE x = 2");
  std::string printed;
  DiffSummary summary = diff(&printed);
  EXPECT_EQ(summary.rows_missing, 2);  // (1,'x') once, (2,NULL)
  EXPECT_EQ(summary.rows_extra, 1);    // (2,'')
  EXPECT_NE(printed.find("- ref.nokey / copy.nokey: row missing on the target: (x='1', y='x')"),
            std::string::npos)
      << printed;
  EXPECT_NE(printed.find("row missing on the target: (x='2', y=NULL)"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("+ ref.nokey / copy.nokey: extra row on the target: (x='2', y='')"),
            std::string::npos)
      << printed;
}

TEST_F(SyncDiffTest, MissingTableAndOtherColumnsAreReported) {
  server_->execute("DROP TABLE copy.nokey");
  server_->execute("ALTER TABLE copy.pair ADD COLUMN w INT");
  server_->execute("CREATE TABLE copy.more (id INT PRIMARY KEY)");
  std::string printed;
  DiffSummary summary = diff(&printed);
  EXPECT_EQ(summary.tables_differing, 3);
  EXPECT_EQ(summary.tables_compared, 2);
  EXPECT_NE(printed.find("- ref.nokey: table missing on the target"), std::string::npos) << printed;
  EXPECT_NE(printed.find("+ copy.more: table exists only on the target"), std::string::npos)
      << printed;
  EXPECT_NE(printed.find("~ ref.pair: columns differ"), std::string::npos) << printed;

  std::string output;
  EXPECT_EQ(run({"--schema", "ref=copy"}, &output), 1) << output;
  EXPECT_NE(output.find("- ref.nokey: table missing on the target"), std::string::npos) << output;
}

TEST_F(SyncDiffTest, ErrorsNameTheCauseAndExitWithTwo) {
  DiffOptions unreachable = options();
  unreachable.target.port = testing::free_tcp_port();
  std::ostringstream out;
  auto failed = compare_databases(unreachable, out);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("cannot connect to the target 127.0.0.1:" +
                                           std::to_string(unreachable.target.port)),
            std::string::npos)
      << failed.status().to_string();

  DiffOptions missing = options();
  missing.schemas = {{"nosuch", "nosuch"}};
  failed = compare_databases(missing, out);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("schema nosuch does not exist on the source"),
            std::string::npos);

  std::string output;
  EXPECT_EQ(run({"--schema", "=copy"}, &output), 2) << output;
  EXPECT_NE(output.find("bad schema '=copy'"), std::string::npos) << output;
  EXPECT_EQ(run({"--chunk-size", "0"}, &output), 2) << output;
  EXPECT_EQ(run({"--no-such-option"}, &output), 2) << output;
  // A wrong password is refused by the server; the password itself is never printed.
  EXPECT_EQ(run({"--schema", "ref=copy", "--source-password", "s3cret-Pw0rd"}, &output), 2)
      << output;
  EXPECT_NE(output.find("cannot connect to the source"), std::string::npos) << output;
  EXPECT_EQ(output.find("s3cret-Pw0rd"), std::string::npos) << output;
}

TEST(SchemaPair, ParsesNameAndMapping) {
  auto same = parse_schema_pair("shop");
  ASSERT_TRUE(same.is_ok());
  EXPECT_EQ(same->source, "shop");
  EXPECT_EQ(same->target, "shop");
  auto mapped = parse_schema_pair("a=b");
  ASSERT_TRUE(mapped.is_ok());
  EXPECT_EQ(mapped->source, "a");
  EXPECT_EQ(mapped->target, "b");
  EXPECT_FALSE(parse_schema_pair("a=").is_ok());
  EXPECT_FALSE(parse_schema_pair("").is_ok());
}

}  // namespace
}  // namespace sluice::sync_diff
