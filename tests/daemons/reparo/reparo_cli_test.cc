// sluice-reparo run as a child process without a database: print mode on files written by the
// real file sink, the original's single-dash flags, a corrupt record (exit code, file and offset
// in the message; skip-corrupt goes on), and config errors naming the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "plugins/file/binlog_file_format.h"
#include "plugins/file/binlog_file_reader.h"
#include "tests/daemons/reparo/binlog_fixture.h"
#include "tests/support/temp_dir.h"

namespace sluice::reparo {
namespace {

namespace fs = std::filesystem;
using testing::run_reparo_binary;

class ReparoCliTest : public ::testing::Test {
 protected:
  fs::path dir() const { return work_.file("binlog"); }
  sluice::testing::TempDir work_{"reparo-cli-"};
};

TEST_F(ReparoCliTest, PrintModeWritesOneLinePerEvent) {
  testing::write_shop_history(dir());
  const fs::path config = work_.file("reparo.toml");
  testing::write_text(config, "data-dir = \"" + dir().string() +
                                  "\"\ndest-type = \"print\"\nstop-tso = 120\n"
                                  "replicate-do-db = [\"other\"]\n");
  const auto run = run_reparo_binary({"-config", config.string(), "-L", "warn"}, work_.path());
  EXPECT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(run.stdout_lines,
            (std::vector<std::string>{
                "105 DDL `other`: CREATE DATABASE other",
                "115 DDL `other`: CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(8))",
                "120 INSERT `other`.`t` id=1, v='a'"}));
}

TEST_F(ReparoCliTest, FlagsOverrideTheConfig) {
  testing::write_shop_history(dir());
  const auto run = run_reparo_binary(
      {"--data-dir", dir().string(), "--dest-type", "print", "--start-tso", "150"}, work_.path());
  EXPECT_EQ(run.exit_code, 0) << run.log;
  ASSERT_EQ(run.stdout_lines.size(), 4u);
  EXPECT_EQ(run.stdout_lines[0].substr(0, 10), "150 INSERT");
  EXPECT_EQ(run.stdout_lines[3].substr(0, 10), "160 DELETE");
}

TEST_F(ReparoCliTest, CorruptRecordExitsNonZeroNamingFileAndOffset) {
  testing::write_shop_history(dir());
  auto files = file::list_binlog_files(dir());
  ASSERT_TRUE(files.is_ok());
  const fs::path file = files->at(0).path;
  // The offset of the third record (commit_ts 110).
  auto reader = file::BinlogFileReader::open(file);
  ASSERT_TRUE(reader.is_ok());
  std::string payload;
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(*reader->next(payload));
  const uint64_t bad = reader->offset();
  {
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    stream.seekp(static_cast<std::streamoff>(bad));
    stream.write("XXXX", 4);  // the magic
  }
  auto run = run_reparo_binary({"-data-dir", dir().string(), "-dest-type", "print"}, work_.path());
  EXPECT_EQ(run.exit_code, 1) << run.log;
  EXPECT_NE(run.log.find(file.string()), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("offset " + std::to_string(bad)), std::string::npos) << run.log;
  EXPECT_EQ(run.stdout_lines.size(), 2u);  // 100 and 105 were printed before the error

  run = run_reparo_binary(
      {"-data-dir", dir().string(), "-dest-type", "print", "-skip-corrupt", "true"}, work_.path());
  EXPECT_EQ(run.exit_code, 0) << run.log;
  EXPECT_EQ(run.stdout_lines.size(), 15u);  // every event but the CREATE TABLE of 110
  EXPECT_NE(run.log.find("skip-corrupt"), std::string::npos) << run.log;
}

TEST_F(ReparoCliTest, ConfigErrorsNameTheKey) {
  const fs::path config = work_.file("reparo.toml");
  testing::write_text(config, "data-dir = \"/tmp\"\nworker-count = -1\n");
  auto run = run_reparo_binary({"-config", config.string()}, work_.path());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.log.find("key 'worker-count'"), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("reparo.toml:2"), std::string::npos) << run.log;

  run = run_reparo_binary({"-dest-type", "oracle"}, work_.path());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.log.find("--dest-type"), std::string::npos) << run.log;
}

}  // namespace
}  // namespace sluice::reparo
