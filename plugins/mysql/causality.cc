#include "plugins/mysql/causality.h"

#include <algorithm>
#include <functional>

namespace sluice::mysql {

namespace {

void append_value(const SqlValue& value, std::string& out) {
  if (is_null(value)) {
    out += 'N';
  } else if (const auto* i64 = std::get_if<int64_t>(&value)) {
    out += 'i' + std::to_string(*i64);
  } else if (const auto* u64 = std::get_if<uint64_t>(&value)) {
    // Unsigned and signed of the same number are the same key (a column has one signedness, but
    // old and new rows come from the same column either way).
    out += 'i' + std::to_string(*u64);
  } else if (const auto* f64 = std::get_if<double>(&value)) {
    out += 'd' + std::to_string(*f64);
  } else {
    const std::string& bytes = std::get<std::string>(value);
    out += 's' + std::to_string(bytes.size()) + ':' + bytes;
  }
  out += ';';
}

std::string table_suffix(const TableInfo& table) {
  return "@" + std::to_string(table.schema.size()) + ":" + table.schema + "." + table.table;
}

void add_row_keys(const TableInfo& table, const std::vector<SqlValue>& values,
                  std::vector<std::string>& keys) {
  if (values.size() != table.columns.size()) return;
  for (const KeyInfo& key : table.keys) {
    if (key.columns.empty()) continue;
    std::string text = key.name + "(";
    bool usable = true;
    for (size_t index : key.columns) {
      if (index >= values.size() || is_null(values[index])) {
        usable = false;
        break;
      }
      append_value(values[index], text);
    }
    if (usable) keys.push_back(text + ")" + table_suffix(table));
  }
}

void add_whole_row(const TableInfo& table, const std::vector<SqlValue>& values,
                   std::vector<std::string>& keys) {
  if (values.empty()) return;
  std::string text = "*(";
  for (const SqlValue& value : values)
    append_value(value, text);
  keys.push_back(text + ")" + table_suffix(table));
}

}  // namespace

std::vector<std::string> dml_keys(const Dml& dml) {
  const TableInfo& table = *dml.table;
  std::vector<std::string> keys;
  if (dml.type != DmlType::kDelete) add_row_keys(table, dml.new_values, keys);
  if (dml.type != DmlType::kInsert) add_row_keys(table, dml.old_values, keys);
  if (keys.empty()) {
    if (dml.type != DmlType::kDelete) add_whole_row(table, dml.new_values, keys);
    if (dml.type != DmlType::kInsert) add_whole_row(table, dml.old_values, keys);
  }
  if (keys.empty()) keys.push_back(table_suffix(table));
  return keys;
}

bool Causality::detect_conflict(const std::vector<std::string>& keys) const {
  const std::string* seen = nullptr;
  for (const std::string& key : keys) {
    auto found = groups_.find(key);
    if (found == groups_.end()) continue;
    if (seen != nullptr && *seen != found->second) return true;
    seen = &found->second;
  }
  return false;
}

const std::string& Causality::add(const std::vector<std::string>& keys) {
  std::string group = keys.front();
  for (const std::string& key : keys) {
    if (auto found = groups_.find(key); found != groups_.end()) {
      group = found->second;
      break;
    }
  }
  for (const std::string& key : keys)
    groups_.emplace(key, group);
  return groups_.find(keys.front())->second;
}

std::deque<Round> plan_rounds(std::vector<Dml> dmls, const PlanOptions& options) {
  std::deque<Round> rounds;
  const size_t workers = options.enable_dispatch ? std::max<size_t>(options.worker_count, 1) : 1;
  const size_t txn_batch = std::max<size_t>(options.txn_batch, 1);
  auto new_round = [&] { rounds.emplace_back().buckets.resize(workers); };
  if (dmls.empty()) return rounds;
  new_round();

  if (!options.enable_dispatch) {
    // One worker; every upstream transaction becomes one downstream transaction.
    auto& bucket = rounds.back().buckets[0];
    for (Dml& dml : dmls) {
      if (bucket.empty() || bucket.back().dmls.back().commit_ts != dml.commit_ts) {
        bucket.emplace_back();
      }
      bucket.back().dmls.push_back(std::move(dml));
    }
    return rounds;
  }

  Causality causality;
  for (Dml& dml : dmls) {
    const std::vector<std::string> keys = dml_keys(dml);
    std::string group;
    if (options.enable_detect) {
      if (causality.detect_conflict(keys)) {
        causality.reset();
        new_round();
      }
      group = causality.add(keys);
    } else {
      group = keys.front();
    }
    auto& bucket = rounds.back().buckets[std::hash<std::string>{}(group) % workers];
    if (bucket.empty() || bucket.back().dmls.size() >= txn_batch) bucket.emplace_back();
    bucket.back().dmls.push_back(std::move(dml));
  }
  return rounds;
}

}  // namespace sluice::mysql
