// The file sink (build/bin/plugins/file.so) driven through the SDK's fake host: what lands in the
// binlog files (decoded with the generated pb_binlog classes), the durable watermark, rotation,
// retention, the directory lock, the translator path, and crash recovery: a file cut at every
// byte offset of its last record is repaired on the next open, and corruption in the middle of a
// file is refused.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/proto/pb_binlog.pb.h"
#include "plugins/file/binlog_file_format.h"
#include "plugins/file/binlog_file_reader.h"

namespace {

namespace fs = std::filesystem;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;

const std::string kPlugin = std::string(FILE_SINK_PLUGIN_DIR) + "/file.so";

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::path(FILE_SINK_TEST_WORK_DIR) /
            (std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    dir_ = root_ / "binlog";
    descriptor_ = host_.load_plugin(kPlugin);
  }
  void TearDown() override {
    sinks_.clear();
    fs::remove_all(root_);
  }

  // A created (and opened, unless told otherwise) sink; asserts both succeeded.
  PluginInstance& sink(FakeConfig config, bool open = true) {
    sinks_.push_back(std::make_unique<PluginInstance>(host_, descriptor_,
                                                      "file-" + std::to_string(sinks_.size())));
    PluginInstance& instance = *sinks_.back();
    const auto created = instance.create(config);
    EXPECT_TRUE(created.ok()) << created.describe();
    if (open) {
      const auto opened = instance.open(0);
      EXPECT_TRUE(opened.ok()) << opened.describe();
    }
    return instance;
  }
  FakeConfig config(int64_t max_file_size = 512 << 20) {
    return FakeConfig{{"dir", dir_.string()}, {"max-file-size", max_file_size}};
  }

  // Transactions commit_ts first, first + 10, ...: each inserts one row of ~`size` bytes.
  static void add_transactions(BatchBuilder& builder, size_t items, int64_t first, int count,
                               size_t size = 100) {
    for (int i = 0; i < count; ++i) {
      const int64_t ts = first + 10 * i;
      builder.begin_transaction(ts, ts - 5)
          .insert(items, {ts, std::string(size, static_cast<char>('a' + i % 26))});
    }
  }
  static size_t items_table(BatchBuilder& builder) {
    return builder.add_table(
        {"test",
         "items",
         1,
         {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint"}, {"body", 252, 0, "text"}},
         {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  }

  // Writes transactions 100, 110, 120 (~40-byte rows) into dir_ and destroys the sink.
  void write_three_and_close() {
    PluginInstance& file = sink(config());
    BatchBuilder builder;
    add_transactions(builder, items_table(builder), 100, 3, 40);
    ASSERT_TRUE(file.write(builder.build()).ok());
    ASSERT_TRUE(file.close().ok());
    sinks_.clear();
  }

  // Every record of every binlog file of `dir`, in order, decoded.
  static std::vector<pb_binlog::Binlog> read_all(const fs::path& dir) {
    std::vector<pb_binlog::Binlog> binlogs;
    auto payloads = sluice::file::read_binlog_directory(dir);
    EXPECT_TRUE(payloads.is_ok()) << payloads.status().to_string();
    if (!payloads.is_ok()) return binlogs;
    for (const std::string& payload : *payloads)
      EXPECT_TRUE(binlogs.emplace_back().ParseFromString(payload));
    return binlogs;
  }

  static std::vector<int64_t> commit_timestamps(const std::vector<pb_binlog::Binlog>& binlogs) {
    std::vector<int64_t> out;
    for (const auto& binlog : binlogs)
      out.push_back(binlog.commit_ts());
    return out;
  }

  bool logged(int32_t level, const std::string& text) const {
    for (const auto& line : host_.logs()) {
      if (line.level == level && line.message.find(text) != std::string::npos) return true;
    }
    return false;
  }

  FakeHost host_;
  const sluice_plugin_descriptor_t* descriptor_ = nullptr;
  std::vector<std::unique_ptr<PluginInstance>> sinks_;
  fs::path root_;
  fs::path dir_;
};

TEST_F(FileSinkTest, ValidateNamesTheBadKey) {
  PluginInstance instance(host_, descriptor_, "v");
  const auto missing = instance.validate(FakeConfig{});
  EXPECT_EQ(missing.status, SLUICE_INVALID_CONFIG);
  EXPECT_NE(missing.error.find("'dir'"), std::string::npos) << missing.error;
  const std::vector<std::pair<FakeConfig, std::string>> bad = {
      {{{"dir", "/tmp/x"}, {"max-file-size", 0}}, "'max-file-size'"},
      {{{"dir", "/tmp/x"}, {"retention-time", -1}}, "'retention-time'"},
      {{{"dir", "/tmp/x"}, {"sync", "always"}}, "'sync'"},
      {{{"dir", "/tmp/x"}, {"sync-interval-ms", 0}}, "'sync-interval-ms'"},
      {{{"dir", "/tmp/x"}, {"max-file-size", "big"}}, "max-file-size"},
  };
  for (const auto& [config, key] : bad) {
    const auto result = instance.validate(config);
    EXPECT_EQ(result.status, SLUICE_INVALID_CONFIG) << key;
    EXPECT_NE(result.error.find(key), std::string::npos) << result.error;
  }
  EXPECT_TRUE(instance
                  .validate(FakeConfig{{"dir", "/tmp/x"},
                                       {"sync", "interval"},
                                       {"sync-interval-ms", 50},
                                       {"retention-time", 7}})
                  .ok());
  EXPECT_FALSE(fs::exists("/tmp/x/.lock"));  // validate does no I/O
}

TEST_F(FileSinkTest, WritesPbBinlogRecordsAndReportsTheFsyncedWatermark) {
  PluginInstance& file = sink(config());
  BatchBuilder builder;
  const size_t items = items_table(builder);
  add_transactions(builder, items, 100, 3);
  builder.begin_transaction(200, 195).update(items, {int64_t{100}, std::string("old")},
                                             {int64_t{100}, std::string("new")});
  ASSERT_TRUE(file.write(builder.build()).ok());
  // Nothing is reported durable before flush.
  int64_t durable = 0;
  ASSERT_TRUE(file.flush(durable).ok());
  EXPECT_EQ(durable, 200);

  BatchBuilder ddl;
  ddl.begin_transaction(300, 295, SLUICE_TXN_DDL).ddl("test", "items", "TRUNCATE TABLE items");
  ddl.set_first_position(builder.next_position());
  ASSERT_TRUE(file.write(ddl.build()).ok());
  ASSERT_TRUE(file.close().ok());

  const auto binlogs = read_all(dir_);
  EXPECT_EQ(commit_timestamps(binlogs), (std::vector<int64_t>{100, 110, 120, 200, 300}));
  const pb_binlog::Event& update = binlogs[3].dml_data().events(0);
  EXPECT_EQ(update.tp(), pb_binlog::Update);
  pb_binlog::column body;
  ASSERT_TRUE(body.ParseFromString(update.row(1)));
  EXPECT_EQ(body.value(), std::string("\x02\x06old", 5));          // value = OLD
  EXPECT_EQ(body.changed_value(), std::string("\x02\x06new", 5));  // changed_value = NEW
  EXPECT_EQ(binlogs[4].tp(), pb_binlog::DDL);
  EXPECT_EQ(binlogs[4].ddl_query(), "use `test`; TRUNCATE TABLE items;");
  EXPECT_EQ(host_.metric_value("file_sink_transactions_total"), 5);
  EXPECT_TRUE(logged(SLUICE_LOG_INFO, "no translator configured"));
}

TEST_F(FileSinkTest, IntervalSyncReportsOnlyWhatWasFsynced) {
  int64_t now_ns = 1'000'000'000;
  host_.set_monotonic_clock([&] { return now_ns; });
  FakeConfig settings = config();
  settings.set("sync", "interval");
  settings.set("sync-interval-ms", 500);
  PluginInstance& file = sink(settings);
  BatchBuilder builder;
  add_transactions(builder, items_table(builder), 100, 2);
  ASSERT_TRUE(file.write(builder.build()).ok());

  int64_t durable = 0;
  now_ns += 100'000'000;  // 100 ms after open: no fdatasync yet
  ASSERT_TRUE(file.flush(durable).ok());
  EXPECT_EQ(durable, 0);
  EXPECT_EQ(commit_timestamps(read_all(dir_)), (std::vector<int64_t>{100, 110}));  // written

  now_ns += 400'000'000;  // 500 ms: the interval has passed
  ASSERT_TRUE(file.flush(durable).ok());
  EXPECT_EQ(durable, 110);
  EXPECT_EQ(host_.metric_value("file_sink_syncs_total"), 1);
  ASSERT_TRUE(file.close().ok());
}

TEST_F(FileSinkTest, RotatesAtMaxFileSizeIntoContiguousFiles) {
  constexpr int64_t kMax = 4096;
  PluginInstance& file = sink(config(kMax));
  BatchBuilder builder;
  add_transactions(builder, items_table(builder), 1000, 60, 300);
  ASSERT_TRUE(file.write(builder.build()).ok());
  int64_t durable = 0;
  ASSERT_TRUE(file.flush(durable).ok());
  EXPECT_EQ(durable, 1000 + 10 * 59);
  ASSERT_TRUE(file.close().ok());

  auto files = sluice::file::list_binlog_files(dir_);
  ASSERT_TRUE(files.is_ok()) << files.status().to_string();
  ASSERT_GE(files->size(), 4u);
  for (size_t i = 0; i < files->size(); ++i) {
    const auto& entry = (*files)[i];
    EXPECT_EQ(entry.index, i);
    const std::string name = entry.path.filename().string();
    char prefix[32];
    std::snprintf(prefix, sizeof(prefix), "binlog-%016zu-", i);
    EXPECT_TRUE(name.starts_with(prefix)) << name;
    EXPECT_EQ(name.size(), std::string("binlog-0000000000000000-20240101000000").size()) << name;
    const auto size = fs::file_size(entry.path);
    if (i + 1 < files->size()) {
      // Rotation comes after the write that reached the limit: at least kMax, less than one
      // record more.
      EXPECT_GE(size, static_cast<uintmax_t>(kMax)) << name;
      EXPECT_LT(size, static_cast<uintmax_t>(kMax + 600)) << name;
    }
  }
  const auto binlogs = read_all(dir_);
  ASSERT_EQ(binlogs.size(), 60u);
  for (int i = 0; i < 60; ++i)
    EXPECT_EQ(binlogs[i].commit_ts(), 1000 + 10 * i);
  EXPECT_EQ(host_.metric_value("file_sink_rotations_total"), files->size() - 1);

  // A new instance on the same directory appends to the newest file.
  PluginInstance& again = sink(config(kMax));
  BatchBuilder more;
  add_transactions(more, items_table(more), 5000, 1);
  ASSERT_TRUE(again.write(more.build()).ok());
  ASSERT_TRUE(again.close().ok());
  const auto after = read_all(dir_);
  ASSERT_EQ(after.size(), 61u);
  EXPECT_EQ(after.back().commit_ts(), 5000);
}

TEST_F(FileSinkTest, RetentionDeletesOldFilesButNeverTheNewest) {
  {
    PluginInstance& file = sink(config(2048));
    BatchBuilder builder;
    add_transactions(builder, items_table(builder), 1000, 30, 300);
    ASSERT_TRUE(file.write(builder.build()).ok());
    ASSERT_TRUE(file.close().ok());
  }
  sinks_.clear();  // releases the directory lock
  auto files = sluice::file::list_binlog_files(dir_);
  ASSERT_TRUE(files.is_ok());
  ASSERT_GE(files->size(), 4u);
  // The first two files are 3 days old, the rest fresh; the newest is old too, and must stay.
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(72);
  fs::last_write_time((*files)[0].path, old);
  fs::last_write_time((*files)[1].path, old);
  fs::last_write_time(files->back().path, old);

  FakeConfig settings = config(2048);
  settings.set("retention-time", 2);
  sink(settings);
  auto left = sluice::file::list_binlog_files(dir_);
  ASSERT_TRUE(left.is_ok()) << left.status().to_string();
  ASSERT_EQ(left->size(), files->size() - 2);
  EXPECT_EQ(left->front().index, 2u);
  EXPECT_EQ(left->back().path, files->back().path);
  EXPECT_EQ(host_.metric_value("file_sink_purged_files_total"), 2);

  // With retention-time = 0 nothing is deleted.
  sinks_.clear();
  fs::last_write_time(left->front().path, old);
  sink(config(2048));
  EXPECT_EQ(sluice::file::list_binlog_files(dir_)->size(), left->size());
}

TEST_F(FileSinkTest, ASecondWriterOnTheSameDirectoryIsRefused) {
  sink(config());
  sinks_.push_back(std::make_unique<PluginInstance>(host_, descriptor_, "second"));
  const auto created = sinks_.back()->create(config());
  EXPECT_EQ(created.status, SLUICE_FATAL);
  EXPECT_NE(created.error.find("in use by another writer"), std::string::npos) << created.error;
  EXPECT_NE(created.error.find(dir_.string()), std::string::npos) << created.error;
}

TEST_F(FileSinkTest, UsesTheConfiguredTranslatorInTheSameFraming) {
  host_.set_translate_hook([](const sluice_transaction_t& transaction, std::string& out) {
    out = "txn " + std::to_string(transaction.commit_ts);
    return SLUICE_OK;
  });
  PluginInstance& file = sink(config());
  BatchBuilder builder;
  add_transactions(builder, items_table(builder), 100, 2);
  ASSERT_TRUE(file.write(builder.build()).ok());
  ASSERT_TRUE(file.close().ok());

  auto payloads = sluice::file::read_binlog_directory(dir_);
  ASSERT_TRUE(payloads.is_ok()) << payloads.status().to_string();
  EXPECT_EQ(*payloads, (std::vector<std::string>{"txn 100", "txn 110"}));
}

TEST_F(FileSinkTest, AFailedTranslationLeavesNothingOfTheBatchBehind) {
  bool fail = true;
  host_.set_translate_hook([&](const sluice_transaction_t& transaction, std::string& out) {
    if (fail && transaction.commit_ts == 110) return SLUICE_RETRY;
    out = std::to_string(transaction.commit_ts);
    return SLUICE_OK;
  });
  PluginInstance& file = sink(config());
  BatchBuilder builder;
  add_transactions(builder, items_table(builder), 100, 3);
  EXPECT_EQ(file.write(builder.build()).status, SLUICE_RETRY);
  fail = false;
  ASSERT_TRUE(file.write(builder.build()).ok());  // the host sends the same batch again
  int64_t durable = 0;
  ASSERT_TRUE(file.flush(durable).ok());
  EXPECT_EQ(durable, 120);
  ASSERT_TRUE(file.close().ok());
  auto files = sluice::file::list_binlog_files(dir_);
  auto scan = sluice::file::scan_binlog_file(files->front().path);
  ASSERT_TRUE(scan.is_ok());
  EXPECT_EQ(scan->records, 3u);
}

TEST_F(FileSinkTest, ATornLastRecordIsCutOffAtEveryByteOffset) {
  write_three_and_close();
  auto files = sluice::file::list_binlog_files(dir_);
  ASSERT_TRUE(files.is_ok());
  ASSERT_EQ(files->size(), 1u);
  const fs::path original = files->front().path;
  std::string bytes;
  {
    std::ifstream in(original, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Find where the last record starts.
  auto reader = sluice::file::BinlogFileReader::open(original);
  ASSERT_TRUE(reader.is_ok());
  std::string payload;
  uint64_t last_start = 0;
  while (true) {
    const uint64_t at = reader->offset();
    auto more = reader->next(payload);
    ASSERT_TRUE(more.is_ok());
    if (!*more) break;
    last_start = at;
  }
  ASSERT_GT(last_start, 0u);
  ASSERT_GT(bytes.size(), last_start + 16);

  // Every cut from the start of the last record up to one byte short of its end, and the full
  // record with its last CRC byte damaged.
  for (uint64_t cut = last_start; cut <= bytes.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    sinks_.clear();
    host_.clear_logs();
    std::string damaged = bytes.substr(0, cut);
    if (cut == bytes.size()) damaged.back() = static_cast<char>(damaged.back() ^ 0x5A);
    {
      std::ofstream out(original, std::ios::binary | std::ios::trunc);
      out.write(damaged.data(), static_cast<std::streamsize>(damaged.size()));
    }
    PluginInstance& file = sink(config());
    if (cut == last_start) {
      EXPECT_FALSE(logged(SLUICE_LOG_WARN, "torn tail"));  // the file ends on a whole record
    } else {
      EXPECT_TRUE(logged(SLUICE_LOG_WARN, "truncating the torn tail of '" + original.string() +
                                              "' at offset " + std::to_string(last_start)));
    }
    EXPECT_EQ(fs::file_size(original), last_start);
    // The directory takes new records after the repair.
    BatchBuilder builder;
    add_transactions(builder, items_table(builder), 900, 1);
    ASSERT_TRUE(file.write(builder.build()).ok());
    ASSERT_TRUE(file.close().ok());
    EXPECT_EQ(commit_timestamps(read_all(dir_)), (std::vector<int64_t>{100, 110, 900}));
  }
}

TEST_F(FileSinkTest, CorruptionInTheMiddleOfAFileIsRefusedNotCut) {
  write_three_and_close();
  const fs::path path = sluice::file::list_binlog_files(dir_)->front().path;
  const auto size = fs::file_size(path);
  {
    std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(20);  // inside the first record's payload
    io.put('\xFF');
  }
  sinks_.push_back(std::make_unique<PluginInstance>(host_, descriptor_, "corrupt"));
  const auto created = sinks_.back()->create(config());
  EXPECT_EQ(created.status, SLUICE_FATAL);
  EXPECT_NE(created.error.find("'" + path.string() + "' offset 0"), std::string::npos)
      << created.error;
  EXPECT_NE(created.error.find("CRC-32C mismatch"), std::string::npos) << created.error;
  EXPECT_EQ(fs::file_size(path), size);  // nothing was cut
}

}  // namespace
