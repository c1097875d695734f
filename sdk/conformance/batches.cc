#include "batches.h"

#include <cstring>
#include <limits>

namespace sluice::conformance {
namespace {

using sdk::testing::BatchBuilder;
using sdk::testing::ColumnSpec;
using sdk::testing::KeySpec;
using sdk::testing::OwnedValue;
using sdk::testing::TableSpec;

// MySQL protocol type bytes (MYSQL_TYPE_*).
constexpr uint32_t kTypeDouble = 5;
constexpr uint32_t kTypeLong = 3;
constexpr uint32_t kTypeLongLong = 8;
constexpr uint32_t kTypeVarchar = 15;
constexpr uint32_t kTypeNewDecimal = 246;
constexpr uint32_t kTypeBlob = 252;

constexpr int64_t kFirstCommitTs = 1000;
constexpr int64_t kCommitStep = 10;
constexpr int64_t kStartLag = 3;

TableSpec items_table() {
  TableSpec table;
  table.schema_name = "test";
  table.table_name = "items";
  table.table_id = 101;
  table.columns = {
      {"id", kTypeLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int", 11, 0, ""},
      {"name", kTypeVarchar, SLUICE_COLUMN_NOT_NULL, "varchar", 64, -1, "utf8mb4"},
      {"price", kTypeNewDecimal, 0, "decimal", 10, 2, ""},
      {"note", kTypeVarchar, 0, "varchar", 255, -1, "utf8mb4"},
  };
  table.keys = {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}};
  return table;
}

TableSpec edge_table() {
  TableSpec table;
  table.schema_name = "test";
  table.table_name = "edge";
  table.table_id = 102;
  table.columns = {
      {"u", kTypeLongLong,
       SLUICE_COLUMN_UNSIGNED | SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "bigint", 20, 0,
       ""},
      {"i", kTypeLongLong, 0, "bigint", 20, 0, ""},
      {"f", kTypeDouble, 0, "double", 22, -1, ""},
      {"b", kTypeBlob, SLUICE_COLUMN_BINARY, "blob", 65535, -1, "binary"},
      {"s", kTypeVarchar, 0, "varchar", 64, -1, "utf8mb4"},
  };
  table.keys = {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}};
  return table;
}

OwnedValue null() {
  return std::monostate{};
}
OwnedValue integer(int64_t value) {
  return value;
}
OwnedValue text(std::string value) {
  return value;
}

TestBatch finish(std::unique_ptr<BatchBuilder> builder, bool ddl, int64_t last_commit_ts,
                 std::string label) {
  TestBatch batch;
  batch.batch = builder->build();
  batch.builder = std::move(builder);
  batch.ddl = ddl;
  batch.last_commit_ts = last_commit_ts;
  batch.label = std::move(label);
  return batch;
}

// Two inserts; an update of the first row; a delete of the second.
TestBatch dml_batch(int index, int64_t& commit_ts, int64_t schema_version) {
  auto builder = std::make_unique<BatchBuilder>();
  const size_t items = builder->add_table(items_table());
  const int64_t first_id = 10 * index + 1;
  const int64_t second_id = 10 * index + 2;
  const std::vector<OwnedValue> first = {integer(first_id), text("apple"), text("1.50"), null()};
  const std::vector<OwnedValue> first_updated = {integer(first_id), text("apple"), text("1.75"),
                                                 text("price up")};
  const std::vector<OwnedValue> second = {integer(second_id), text("banana \"ripe\""), text("0.25"),
                                          text("from\tEcuador")};
  builder->begin_transaction(commit_ts, commit_ts - kStartLag, 0, schema_version);
  builder->insert(items, first).insert(items, second);
  commit_ts += kCommitStep;
  builder->begin_transaction(commit_ts, commit_ts - kStartLag, 0, schema_version);
  builder->update(items, first, first_updated);
  commit_ts += kCommitStep;
  builder->begin_transaction(commit_ts, commit_ts - kStartLag, 0, schema_version);
  builder->erase(items, second);
  const int64_t last = commit_ts;
  commit_ts += kCommitStep;
  return finish(std::move(builder), false, last, "batch " + std::to_string(index + 1) + " (DML)");
}

TestBatch ddl_batch(int64_t& commit_ts, int64_t schema_version) {
  auto builder = std::make_unique<BatchBuilder>();
  builder->begin_transaction(commit_ts, commit_ts - kStartLag, SLUICE_TXN_DDL, schema_version);
  builder->ddl("test", "audit",
               "CREATE TABLE `test`.`audit` (`id` BIGINT PRIMARY KEY, `message` TEXT)");
  const int64_t last = commit_ts;
  commit_ts += kCommitStep;
  return finish(std::move(builder), true, last, "the DDL batch");
}

}  // namespace

std::vector<TestBatch> standard_batches(int dml_batches) {
  std::vector<TestBatch> batches;
  int64_t commit_ts = kFirstCommitTs;
  int64_t schema_version = 1;
  for (int index = 0; index < dml_batches; ++index) {
    batches.push_back(dml_batch(index, commit_ts, schema_version));
    if (index == 0) batches.push_back(ddl_batch(commit_ts, ++schema_version));
  }
  return batches;
}

TestBatch edge_case_batch(int64_t first_commit_ts) {
  auto builder = std::make_unique<BatchBuilder>();
  const size_t edge = builder->add_table(edge_table());
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  const std::string awkward(
      "tab\there \"quoted\" back\\slash\nctl\x01 bad\xff ok \xc3\xa9\xe2\x9c\x93");
  const std::string binary("\x00\x01\xff", 3);
  const std::vector<OwnedValue> row0 = {std::numeric_limits<uint64_t>::max(),
                                        std::numeric_limits<int64_t>::min(), kNan, binary, awkward};
  const std::vector<OwnedValue> row1 = {uint64_t{0}, std::numeric_limits<int64_t>::max(),
                                        -kInfinity, text(""), text("")};
  const std::vector<OwnedValue> row2 = {uint64_t{1}, integer(0), -0.0, null(), null()};
  const std::vector<OwnedValue> row2_updated = {uint64_t{1}, integer(-1), 1e300, text("x"),
                                                text("\xe2\x9c\x93")};
  int64_t commit_ts = first_commit_ts;
  builder->begin_transaction(commit_ts, commit_ts - kStartLag, 0, 2);
  builder->insert(edge, row0).insert(edge, row1).insert(edge, row2);
  commit_ts += kCommitStep;
  builder->begin_transaction(commit_ts, commit_ts - kStartLag, 0, 2);
  builder->update(edge, row2, row2_updated).erase(edge, row1);
  return finish(std::move(builder), false, commit_ts, "the edge-case batch");
}

const sluice_batch_t* Delivery::stamp(const sluice_batch_t& source) {
  transactions_.clear();
  const auto* base = reinterpret_cast<const unsigned char*>(source.transactions);
  for (size_t i = 0; i < source.transaction_count; ++i) {
    sluice_transaction_t transaction{};
    std::memcpy(&transaction, base + i * source.transaction_size, sizeof(transaction));
    transaction.position = next_position_++;
    transactions_.push_back(transaction);
  }
  batch_ = source;
  batch_.transactions = transactions_.data();
  batch_.transaction_size = sizeof(sluice_transaction_t);
  return &batch_;
}

}  // namespace sluice::conformance
