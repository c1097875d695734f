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

size_t dml_bytes(const Dml& dml) {
  size_t total = dml.table->schema.size() + dml.table->table.size();
  for (const auto* row : {&dml.old_values, &dml.new_values}) {
    for (const SqlValue& value : *row) {
      const auto* bytes = std::get_if<std::string>(&value);
      total += bytes != nullptr ? bytes->size() : 8;
    }
  }
  return total;
}

bool chunk_accepts(const Chunk& chunk, const Dml& dml, size_t bytes, const PlanOptions& options) {
  if (chunk.dmls.empty()) return true;
  if (options.enable_dispatch ? chunk.dmls.size() >= std::max<size_t>(options.txn_batch, 1)
                              : chunk.dmls.back().commit_ts != dml.commit_ts) {
    return false;
  }
  if (options.max_txn_rows != 0 && chunk.dmls.size() >= options.max_txn_rows) return false;
  return options.max_txn_bytes == 0 || chunk.bytes + bytes <= options.max_txn_bytes;
}

Dispatcher::Dispatcher(const PlanOptions& options)
    : options_(options),
      workers_(options.enable_dispatch ? std::max<size_t>(options.worker_count, 1) : 1) {}

size_t Dispatcher::place(const Dml& dml, bool& barrier) {
  barrier = false;
  if (!options_.enable_dispatch) return 0;
  const std::vector<std::string> keys = dml_keys(dml);
  if (!options_.enable_detect) return std::hash<std::string>{}(keys.front()) % workers_;
  if (causality_.detect_conflict(keys)) {
    causality_.reset();
    barrier = true;
  }
  return std::hash<std::string>{}(causality_.add(keys)) % workers_;
}

std::deque<Round> plan_rounds(std::vector<Dml> dmls, const PlanOptions& options) {
  std::deque<Round> rounds;
  Dispatcher dispatcher(options);
  auto new_round = [&] { rounds.emplace_back().buckets.resize(dispatcher.workers()); };
  if (dmls.empty()) return rounds;
  new_round();
  for (Dml& dml : dmls) {
    bool barrier = false;
    const size_t worker = dispatcher.place(dml, barrier);
    if (barrier) new_round();
    auto& bucket = rounds.back().buckets[worker];
    const size_t bytes = dml_bytes(dml);
    if (bucket.empty() || !chunk_accepts(bucket.back(), dml, bytes, options)) bucket.emplace_back();
    bucket.back().bytes += bytes;
    bucket.back().dmls.push_back(std::move(dml));
  }
  return rounds;
}

}  // namespace sluice::mysql
