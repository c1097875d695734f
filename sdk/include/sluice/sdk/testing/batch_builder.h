#pragma once
// BatchBuilder: builds ABI batches (sluice_batch_t) from owned C++ values, for plugin tests, the
// conformance suite and benchmarks. The builder owns every byte the batch points to; the batch
// returned by build() stays valid until the builder is modified or destroyed. Not thread-safe.

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <deque>
#include <string>
#include <variant>
#include <vector>

namespace sluice::sdk::testing {

// A row value: null, signed, unsigned, double, or bytes/text.
using OwnedValue = std::variant<std::monostate, int64_t, uint64_t, double, std::string>;

struct ColumnSpec {
  std::string name;
  uint32_t mysql_type = 3;  // MYSQL_TYPE_LONG
  uint32_t flags = 0;
  std::string type_name = "int";
  int32_t length = -1;
  int32_t decimals = -1;
  std::string charset;
  std::string elements_text;  // ENUM/SET members joined by ','
};

struct KeySpec {
  std::string name;
  uint32_t flags = SLUICE_KEY_PRIMARY;
  std::vector<uint32_t> column_indexes;
};

struct TableSpec {
  std::string schema_name;
  std::string table_name;
  int64_t table_id = 0;
  std::vector<ColumnSpec> columns;
  std::vector<KeySpec> keys;
};

class BatchBuilder {
 public:
  // Adds a table layout; returns its index for insert/update/erase.
  size_t add_table(TableSpec table) {
    tables_.push_back(std::move(table));
    return tables_.size() - 1;
  }

  BatchBuilder& begin_transaction(int64_t commit_ts, int64_t start_ts, uint32_t flags = 0,
                                  int64_t schema_version = 0) {
    transactions_.push_back(TransactionSpec{commit_ts, start_ts, flags, schema_version, {}});
    return *this;
  }
  BatchBuilder& insert(size_t table, std::vector<OwnedValue> new_values) {
    return add_event(SLUICE_EVENT_INSERT, table, {}, std::move(new_values), {});
  }
  BatchBuilder& update(size_t table, std::vector<OwnedValue> old_values,
                       std::vector<OwnedValue> new_values) {
    return add_event(SLUICE_EVENT_UPDATE, table, std::move(old_values), std::move(new_values), {});
  }
  BatchBuilder& erase(size_t table, std::vector<OwnedValue> old_values) {
    return add_event(SLUICE_EVENT_DELETE, table, std::move(old_values), {}, {});
  }
  // A DDL transaction of its own: begin_transaction(..., SLUICE_TXN_DDL) first.
  BatchBuilder& ddl(std::string schema_name, std::string table_name, std::string query) {
    EventSpec event;
    event.type = SLUICE_EVENT_DDL;
    event.schema_name = std::move(schema_name);
    event.table_name = std::move(table_name);
    event.ddl_query = std::move(query);
    transactions_.back().events.push_back(std::move(event));
    return *this;
  }

  size_t transaction_count() const { return transactions_.size(); }

  // Positions number the transactions an instance receives; successive batches to one instance
  // must continue the count (e.g. set_first_position(previous_batch_end)).
  BatchBuilder& set_first_position(uint64_t position) {
    first_position_ = position;
    return *this;
  }
  uint64_t next_position() const { return first_position_ + transactions_.size(); }

  // Lays out the ABI structs. Call again after further additions.
  const sluice_batch_t* build() {
    abi_tables_.clear();
    abi_columns_.clear();
    abi_keys_.clear();
    for (const TableSpec& table : tables_) {
      auto& columns = abi_columns_.emplace_back();
      for (const ColumnSpec& column : table.columns) {
        sluice_column_t abi{};
        abi.struct_size = sizeof(sluice_column_t);
        abi.name = str(column.name);
        abi.mysql_type = column.mysql_type;
        abi.flags = column.flags;
        abi.length = column.length;
        abi.decimals = column.decimals;
        abi.type_name = str(column.type_name);
        abi.charset = str(column.charset);
        abi.elements_text = str(column.elements_text);
        columns.push_back(abi);
      }
      auto& keys = abi_keys_.emplace_back();
      for (const KeySpec& key : table.keys) {
        sluice_key_t abi{};
        abi.struct_size = sizeof(sluice_key_t);
        abi.name = str(key.name);
        abi.flags = key.flags;
        abi.column_indexes = key.column_indexes.data();
        abi.column_count = key.column_indexes.size();
        keys.push_back(abi);
      }
      sluice_table_t abi{};
      abi.struct_size = sizeof(sluice_table_t);
      abi.schema_name = str(table.schema_name);
      abi.table_name = str(table.table_name);
      abi.table_id = table.table_id;
      abi.columns = columns.data();
      abi.column_count = columns.size();
      abi.column_size = sizeof(sluice_column_t);
      abi.keys = keys.data();
      abi.key_count = keys.size();
      abi.key_size = sizeof(sluice_key_t);
      abi_tables_.push_back(abi);
    }
    abi_values_.clear();
    abi_events_.clear();
    abi_transactions_.clear();
    uint64_t position = first_position_;
    for (const TransactionSpec& transaction : transactions_) {
      auto& events = abi_events_.emplace_back();
      for (const EventSpec& event : transaction.events) {
        sluice_event_t abi{};
        abi.struct_size = sizeof(sluice_event_t);
        abi.type = event.type;
        if (event.type == SLUICE_EVENT_DDL) {
          abi.schema_name = str(event.schema_name);
          abi.table_name = str(event.table_name);
          abi.ddl_query = str(event.ddl_query);
        } else {
          const sluice_table_t& table = abi_tables_[event.table];
          abi.schema_name = table.schema_name;
          abi.table_name = table.table_name;
          abi.table = &table;
          abi.old_values = values(event.old_values);
          abi.new_values = values(event.new_values);
        }
        events.push_back(abi);
      }
      sluice_transaction_t abi{};
      abi.struct_size = sizeof(sluice_transaction_t);
      abi.commit_ts = transaction.commit_ts;
      abi.start_ts = transaction.start_ts;
      abi.position = position++;
      abi.flags = transaction.flags;
      abi.schema_version = transaction.schema_version;
      abi.events = events.data();
      abi.event_count = events.size();
      abi.event_size = sizeof(sluice_event_t);
      abi_transactions_.push_back(abi);
    }
    batch_ = sluice_batch_t{};
    batch_.struct_size = sizeof(sluice_batch_t);
    batch_.transactions = abi_transactions_.data();
    batch_.transaction_count = abi_transactions_.size();
    batch_.transaction_size = sizeof(sluice_transaction_t);
    return &batch_;
  }

 private:
  struct EventSpec {
    uint32_t type = SLUICE_EVENT_INSERT;
    size_t table = 0;
    std::vector<OwnedValue> old_values;
    std::vector<OwnedValue> new_values;
    std::string schema_name;
    std::string table_name;
    std::string ddl_query;
  };
  struct TransactionSpec {
    int64_t commit_ts;
    int64_t start_ts;
    uint32_t flags;
    int64_t schema_version;
    std::deque<EventSpec> events;  // deque: adding events keeps earlier ones in place
  };

  BatchBuilder& add_event(uint32_t type, size_t table, std::vector<OwnedValue> old_values,
                          std::vector<OwnedValue> new_values, std::string query) {
    EventSpec event;
    event.type = type;
    event.table = table;
    event.old_values = std::move(old_values);
    event.new_values = std::move(new_values);
    event.ddl_query = std::move(query);
    transactions_.back().events.push_back(std::move(event));
    return *this;
  }

  static sluice_str_t str(const std::string& text) { return {text.data(), text.size()}; }

  const sluice_value_t* values(const std::vector<OwnedValue>& owned) {
    if (owned.empty()) return nullptr;
    auto& row = abi_values_.emplace_back();
    for (const OwnedValue& value : owned) {
      sluice_value_t abi{};
      if (std::holds_alternative<int64_t>(value)) {
        abi.kind = SLUICE_VALUE_INT64;
        abi.as.i64 = std::get<int64_t>(value);
      } else if (std::holds_alternative<uint64_t>(value)) {
        abi.kind = SLUICE_VALUE_UINT64;
        abi.as.u64 = std::get<uint64_t>(value);
      } else if (std::holds_alternative<double>(value)) {
        abi.kind = SLUICE_VALUE_DOUBLE;
        abi.as.f64 = std::get<double>(value);
      } else if (std::holds_alternative<std::string>(value)) {
        abi.kind = SLUICE_VALUE_BYTES;
        abi.as.bytes = str(std::get<std::string>(value));
      } else {
        abi.kind = SLUICE_VALUE_NULL;
      }
      row.push_back(abi);
    }
    return row.data();
  }

  std::deque<TableSpec> tables_;
  std::deque<TransactionSpec> transactions_;
  // The laid-out ABI view; deques keep inner vectors in place as more are added.
  std::vector<sluice_table_t> abi_tables_;
  std::deque<std::vector<sluice_column_t>> abi_columns_;
  std::deque<std::vector<sluice_key_t>> abi_keys_;
  std::deque<std::vector<sluice_value_t>> abi_values_;
  std::deque<std::vector<sluice_event_t>> abi_events_;
  std::vector<sluice_transaction_t> abi_transactions_;
  sluice_batch_t batch_{};
  uint64_t first_position_ = 0;
};

}  // namespace sluice::sdk::testing
