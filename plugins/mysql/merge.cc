#include "plugins/mysql/merge.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace sluice::mysql {

namespace {

const KeyInfo* primary_key(const TableInfo& table) {
  if (table.keys.empty() || !table.keys.front().primary || table.keys.front().columns.empty()) {
    return nullptr;
  }
  return &table.keys.front();
}

// A type-tagged, length-prefixed encoding of the primary key's values: equal keys, equal strings.
std::string key_of(const KeyInfo& key, const std::vector<SqlValue>& values) {
  std::string out;
  for (size_t index : key.columns) {
    const SqlValue& value = values.at(index);
    out += static_cast<char>('0' + value.index());
    std::string text;
    if (const auto* i64 = std::get_if<int64_t>(&value)) {
      text = std::to_string(*i64);
    } else if (const auto* u64 = std::get_if<uint64_t>(&value)) {
      text = std::to_string(*u64);
    } else if (const auto* f64 = std::get_if<double>(&value)) {
      text = std::to_string(*f64);
    } else if (const auto* bytes = std::get_if<std::string>(&value)) {
      text = *bytes;
    }
    out += std::to_string(text.size());
    out += ':';
    out += text;
  }
  return out;
}

struct KeyState {
  std::optional<Dml> deleted;  // the old row to delete by primary key
  std::optional<Dml> row;      // the final row (an insert, applied as REPLACE)
};

struct TableState {
  std::vector<std::string> order;  // keys in first-seen order, for a stable output
  std::map<std::string, KeyState> keys;
  KeyState& at(const std::string& key) {
    auto [it, added] = keys.try_emplace(key);
    if (added) order.push_back(key);
    return it->second;
  }
};

Dml as_delete(const Dml& source) {
  Dml out;
  out.type = DmlType::kDelete;
  out.table = source.table;
  out.old_values = source.old_values;
  out.commit_ts = source.commit_ts;
  return out;
}

Dml as_replace(const Dml& source) {
  Dml out;
  out.type = DmlType::kInsert;
  out.table = source.table;
  out.new_values = source.new_values;
  out.commit_ts = source.commit_ts;
  out.safe_mode = true;
  return out;
}

}  // namespace

std::vector<Dml> merge_by_primary_key(std::vector<Dml> dmls) {
  std::vector<std::string> table_order;
  std::map<std::string, TableState> tables;
  std::vector<Dml> passthrough;
  for (Dml& dml : dmls) {
    const KeyInfo* key = primary_key(*dml.table);
    if (key == nullptr) {
      passthrough.push_back(std::move(dml));
      continue;
    }
    const std::string name = dml.table->schema + '\0' + dml.table->table;
    auto [it, added] = tables.try_emplace(name);
    if (added) table_order.push_back(name);
    TableState& table = it->second;
    switch (dml.type) {
      case DmlType::kInsert: {
        KeyState& state = table.at(key_of(*key, dml.new_values));
        state.row = as_replace(dml);
        break;
      }
      case DmlType::kDelete: {
        KeyState& state = table.at(key_of(*key, dml.old_values));
        state.row.reset();
        state.deleted = as_delete(dml);
        break;
      }
      case DmlType::kUpdate: {
        const std::string old_key = key_of(*key, dml.old_values);
        const std::string new_key = key_of(*key, dml.new_values);
        if (old_key != new_key) {
          KeyState& old_state = table.at(old_key);
          old_state.row.reset();
          old_state.deleted = as_delete(dml);
        }
        table.at(new_key).row = as_replace(dml);
        break;
      }
    }
  }
  std::vector<Dml> out;
  out.reserve(dmls.size());
  for (const std::string& name : table_order) {
    TableState& table = tables.at(name);
    for (const std::string& key : table.order) {
      KeyState& state = table.keys.at(key);
      // A key with a final row needs no DELETE: REPLACE overwrites the row with that key.
      if (!state.row && state.deleted) out.push_back(std::move(*state.deleted));
    }
  }
  for (const std::string& name : table_order) {
    TableState& table = tables.at(name);
    for (const std::string& key : table.order) {
      KeyState& state = table.keys.at(key);
      if (state.row) out.push_back(std::move(*state.row));
    }
  }
  for (Dml& dml : passthrough)
    out.push_back(std::move(dml));
  return out;
}

}  // namespace sluice::mysql
