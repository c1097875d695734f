// The relay log on its own: transactions written by RelayLogWriter come back from
// read_relay_log + RelayRecordDecoder with the same events and values (table layouts rebuilt from
// the records alone); files rotate and are purged only once the checkpoint passed them; a torn
// last record is ignored with a warning and corruption inside a file is an error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/decode/table_layout.h"
#include "core/drainer/abi_table.h"
#include "core/drainer/relay_log_reader.h"
#include "core/drainer/relay_log_writer.h"
#include "core/drainer/relay_record_decoder.h"
#include "plugins/file/binlog_file_format.h"
#include "plugins/file/binlog_file_reader.h"
#include "tests/support/temp_dir.h"

namespace sluice::drainer {
namespace {

namespace type = schema::mysql_type;
using decode::bytes_of;

// shop.items(id bigint unsigned primary key, qty int, name varchar(32), flags bit(16),
//            blob_col varbinary(8), price decimal(10,2)), unique key name_uk(name).
std::shared_ptr<const AbiTable> items_table() {
  auto info = std::make_shared<schema::TableInfo>();
  info->id = 7;
  info->name = "items";
  auto column = [&](int64_t id, std::string name, uint8_t mysql_type, uint32_t flag, int flen,
                    int decimal, std::string charset) {
    schema::ColumnInfo c;
    c.id = id;
    c.name = std::move(name);
    c.offset = static_cast<int>(info->columns.size());
    c.type = mysql_type;
    c.flag = flag;
    c.flen = flen;
    c.decimal = decimal;
    c.charset = std::move(charset);
    info->columns.push_back(std::move(c));
  };
  column(1, "id", type::kLonglong, schema::kPriKeyFlag | schema::kUnsignedFlag, 20, 0, "binary");
  column(2, "qty", type::kLong, 0, 11, 0, "binary");
  column(3, "name", type::kVarchar, 0, 32, 0, "utf8mb4");
  column(4, "flags", type::kBit, schema::kUnsignedFlag, 16, 0, "binary");
  column(5, "blob_col", type::kVarchar, schema::kBinaryFlag, 8, 0, "binary");
  column(6, "price", type::kNewDecimal, 0, 10, 2, "binary");
  info->pk_is_handle = true;
  schema::IndexInfo unique;
  unique.id = 1;
  unique.name = "name_uk";
  unique.unique = true;
  unique.columns.push_back({"name", 2, -1});
  info->indices.push_back(unique);
  return make_abi_table(decode::build_layout("shop", info, 3));
}

std::unique_ptr<DrainerTransaction> dml(int64_t commit_ts,
                                        const std::shared_ptr<const AbiTable>& table, uint64_t id,
                                        decode::ChangeType change_type) {
  auto transaction = std::make_unique<DrainerTransaction>();
  transaction->commit_ts = commit_ts;
  transaction->start_ts = commit_ts - 1;
  auto row_values = [&](int64_t qty, std::string_view name) {
    return std::vector<sluice_value_t>{
        decode::uint64_value(id),
        decode::int64_value(qty),
        decode::bytes_value(transaction->arena.copy(name)),
        decode::uint64_value(0x8001),
        decode::bytes_value(transaction->arena.copy(std::string_view("\0\xff'", 3))),
        qty < 0 ? decode::null_value() : decode::bytes_value(transaction->arena.copy("12.50"))};
  };
  decode::RowChange change;
  change.type = change_type;
  change.layout = table->layout;
  const std::string name = "item-" + std::to_string(id);
  if (change_type != decode::ChangeType::kInsert) change.old_values = row_values(-1, name);
  if (change_type != decode::ChangeType::kDelete) change.new_values = row_values(5, name + "'x");
  transaction->rows.push_back(std::move(change));
  transaction->row_tables.push_back(table);
  transaction->build_events();
  return transaction;
}

std::unique_ptr<DrainerTransaction> ddl(int64_t commit_ts) {
  auto transaction = std::make_unique<DrainerTransaction>();
  transaction->commit_ts = commit_ts;
  transaction->ddl = true;
  transaction->ddl_schema = "shop";
  transaction->ddl_table = "items";
  transaction->ddl_query = "ALTER TABLE items ADD COLUMN note TEXT";
  transaction->build_events();
  return transaction;
}

Status write_batch(RelayLogWriter& writer, std::vector<std::unique_ptr<DrainerTransaction>> txns) {
  TransactionBatch batch;
  for (auto& transaction : txns)
    batch.add(std::move(transaction));
  batch.build_view();
  return writer.write(batch);
}

std::vector<std::unique_ptr<DrainerTransaction>> read_all(
    const std::filesystem::path& dir, int64_t after_ts, RelayReadSummary* summary = nullptr,
    std::vector<std::string>* warnings = nullptr) {
  RelayRecordDecoder decoder;
  std::vector<std::unique_ptr<DrainerTransaction>> out;
  auto read = read_relay_log(
      dir, after_ts,
      [&](std::string_view record, int64_t) {
        auto decoded = decoder.decode(record);
        if (!decoded.is_ok()) return decoded.status();
        out.push_back(std::move(decoded).value());
        return Status::ok();
      },
      [&](std::string_view warning) {
        if (warnings) warnings->emplace_back(warning);
      });
  EXPECT_TRUE(read.is_ok()) << read.status().to_string();
  if (summary && read.is_ok()) *summary = read.value();
  return out;
}

TEST(RelayLogTest, TransactionsComeBackWithTheirValuesAndALayoutRebuiltFromTheRecords) {
  testing::TempDir dir;
  auto table = items_table();
  {
    auto writer = RelayLogWriter::open({dir.path(), kDefaultRelayMaxFileSize});
    ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
    std::vector<std::unique_ptr<DrainerTransaction>> first;
    first.push_back(dml(100, table, 1, decode::ChangeType::kInsert));
    first.push_back(dml(110, table, 1, decode::ChangeType::kUpdate));
    ASSERT_TRUE(write_batch(**writer, std::move(first)).is_ok());
    std::vector<std::unique_ptr<DrainerTransaction>> second;
    second.push_back(ddl(120));
    ASSERT_TRUE(write_batch(**writer, std::move(second)).is_ok());
    std::vector<std::unique_ptr<DrainerTransaction>> third;
    third.push_back(dml(130, table, 1, decode::ChangeType::kDelete));
    ASSERT_TRUE(write_batch(**writer, std::move(third)).is_ok());
  }

  RelayReadSummary summary;
  auto transactions = read_all(dir.path(), 105, &summary);
  EXPECT_EQ(summary.skipped, 1u);  // 100 is at or below the checkpoint
  EXPECT_EQ(summary.records, 3u);
  EXPECT_EQ(summary.last_commit_ts, 130);
  ASSERT_EQ(transactions.size(), 3u);

  const DrainerTransaction& update = *transactions[0];
  EXPECT_EQ(update.commit_ts, 110);
  ASSERT_EQ(update.events.size(), 1u);
  EXPECT_EQ(update.events[0].type, SLUICE_EVENT_UPDATE);
  const sluice_table_t& rebuilt = *update.events[0].table;
  EXPECT_EQ(std::string_view(rebuilt.schema_name.data, rebuilt.schema_name.size), "shop");
  EXPECT_EQ(std::string_view(rebuilt.table_name.data, rebuilt.table_name.size), "items");
  const decode::TableLayout& layout = *update.row_tables[0]->layout;
  ASSERT_EQ(layout.columns.size(), 6u);
  EXPECT_EQ(layout.columns[0].mysql_type, type::kLonglong);
  EXPECT_NE(layout.columns[0].abi_flags & SLUICE_COLUMN_UNSIGNED, 0u);  // values were uint64
  EXPECT_NE(layout.columns[0].abi_flags & SLUICE_COLUMN_PRIMARY_KEY, 0u);
  EXPECT_EQ(layout.columns[1].abi_flags & SLUICE_COLUMN_UNSIGNED, 0u);
  EXPECT_EQ(layout.columns[3].mysql_type, type::kBit);
  EXPECT_EQ(layout.columns[4].type_name, "varbinary");
  EXPECT_EQ(layout.columns[5].type_name, "decimal");
  EXPECT_EQ(layout.columns[5].decimals, 2);
  ASSERT_EQ(layout.keys.size(), 2u);
  EXPECT_EQ(layout.keys[0].name, "PRIMARY");
  EXPECT_EQ(layout.keys[0].column_indexes, std::vector<uint32_t>{0});
  EXPECT_EQ(layout.keys[1].name, "name_uk");
  EXPECT_EQ(layout.keys[1].column_indexes, std::vector<uint32_t>{2});

  const sluice_value_t* now = update.events[0].new_values;
  const sluice_value_t* before = update.events[0].old_values;
  EXPECT_EQ(now[0].kind, SLUICE_VALUE_UINT64);
  EXPECT_EQ(now[0].as.u64, 1u);
  EXPECT_EQ(now[1].as.i64, 5);
  EXPECT_EQ(bytes_of(now[2]), "item-1'x");
  EXPECT_EQ(before[2].kind, SLUICE_VALUE_BYTES);
  EXPECT_EQ(bytes_of(before[2]), "item-1");
  EXPECT_EQ(now[3].kind, SLUICE_VALUE_UINT64);  // BIT: big-endian bytes back to the number
  EXPECT_EQ(now[3].as.u64, 0x8001u);
  EXPECT_EQ(bytes_of(now[4]), std::string_view("\0\xff'", 3));
  EXPECT_EQ(bytes_of(now[5]), "12.50");
  EXPECT_EQ(before[5].kind, SLUICE_VALUE_NULL);

  const DrainerTransaction& alter = *transactions[1];
  EXPECT_TRUE(alter.ddl);
  EXPECT_EQ(alter.commit_ts, 120);
  EXPECT_EQ(alter.ddl_query, "ALTER TABLE items ADD COLUMN note TEXT");
  EXPECT_EQ(alter.ddl_table, "items");

  const DrainerTransaction& remove = *transactions[2];
  ASSERT_EQ(remove.events.size(), 1u);
  EXPECT_EQ(remove.events[0].type, SLUICE_EVENT_DELETE);
  EXPECT_EQ(remove.events[0].new_values, nullptr);
  EXPECT_EQ(remove.events[0].old_values[0].as.u64, 1u);
  // The two records of the same table share one rebuilt table.
  EXPECT_EQ(remove.row_tables[0].get(), update.row_tables[0].get());
}

TEST(RelayLogTest, FilesRotateAndArePurgedOnlyOnceTheCheckpointPassedThem) {
  testing::TempDir dir;
  auto table = items_table();
  auto opened = RelayLogWriter::open({dir.path(), 4096});
  ASSERT_TRUE(opened.is_ok());
  RelayLogWriter& writer = **opened;
  for (int64_t ts = 1; ts <= 200; ++ts) {
    std::vector<std::unique_ptr<DrainerTransaction>> one;
    one.push_back(dml(ts * 10, table, static_cast<uint64_t>(ts), decode::ChangeType::kInsert));
    ASSERT_TRUE(write_batch(writer, std::move(one)).is_ok());
  }
  auto files = file::list_binlog_files(dir.path());
  ASSERT_TRUE(files.is_ok());
  ASSERT_GE(files->size(), 4u);

  // Nothing is durable yet: nothing goes.
  EXPECT_EQ(writer.purge(0).value(), 0u);
  // The first commit_ts of the second file: the first file is entirely at or below it.
  std::vector<int64_t> first_ts;
  for (const auto& entry : *files) {
    auto reader = file::BinlogFileReader::open(entry.path);
    ASSERT_TRUE(reader.is_ok());
    std::string record;
    ASSERT_TRUE(reader->next(record).value());
    first_ts.push_back(RelayRecordDecoder::commit_ts_of(record).value());
  }
  EXPECT_EQ(writer.purge(first_ts[1] - 1).value(), 0u);
  EXPECT_EQ(writer.purge(first_ts[1]).value(), 1u);
  EXPECT_FALSE(std::filesystem::exists((*files)[0].path));
  // Everything: all files but the one being written.
  EXPECT_EQ(writer.purge(2000).value(), files->size() - 2);
  EXPECT_TRUE(std::filesystem::exists(files->back().path));
  // What is left still holds every transaction above the last file's first commit_ts.
  auto left = read_all(dir.path(), first_ts.back() - 1);
  ASSERT_FALSE(left.empty());
  EXPECT_EQ(left.front()->commit_ts, first_ts.back());
  EXPECT_EQ(left.back()->commit_ts, 2000);
}

TEST(RelayLogTest, ATornLastRecordIsIgnoredWithAWarningCorruptionInsideIsAnError) {
  testing::TempDir dir;
  auto table = items_table();
  {
    auto writer = RelayLogWriter::open({dir.path(), kDefaultRelayMaxFileSize});
    ASSERT_TRUE(writer.is_ok());
    for (int64_t ts = 1; ts <= 3; ++ts) {
      std::vector<std::unique_ptr<DrainerTransaction>> one;
      one.push_back(dml(ts, table, static_cast<uint64_t>(ts), decode::ChangeType::kInsert));
      ASSERT_TRUE(write_batch(**writer, std::move(one)).is_ok());
    }
  }
  auto files = file::list_binlog_files(dir.path());
  ASSERT_TRUE(files.is_ok());
  ASSERT_EQ(files->size(), 1u);
  const std::filesystem::path path = files->front().path;
  const auto full_size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, full_size - 5);  // the third record is cut short

  RelayReadSummary summary;
  std::vector<std::string> warnings;
  auto transactions = read_all(dir.path(), 0, &summary, &warnings);
  ASSERT_EQ(transactions.size(), 2u);
  EXPECT_EQ(transactions.back()->commit_ts, 2);
  EXPECT_TRUE(summary.torn_tail);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("torn"), std::string::npos);
  EXPECT_NE(warnings[0].find(path.filename().string()), std::string::npos);

  // A flipped byte in the first record, with valid records after it: corruption, not a tail.
  {
    std::fstream bytes(path, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(20);
    bytes.put('\x7f');
  }
  auto read = read_relay_log(
      dir.path(), 0, [](std::string_view, int64_t) { return Status::ok(); },
      [](std::string_view) {});
  ASSERT_FALSE(read.is_ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption);
  EXPECT_NE(read.status().message().find(path.filename().string()), std::string::npos);
}

TEST(RelayLogTest, RecordsThatAreNotSecondaryBinlogsAreRefused) {
  RelayRecordDecoder decoder;
  auto decoded = decoder.decode("\xff\xff\xff");
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("not a secondary binlog"), std::string::npos);
}

}  // namespace
}  // namespace sluice::drainer
