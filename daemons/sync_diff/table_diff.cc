#include "daemons/sync_diff/table_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace sluice::sync_diff {

namespace {

using mysql::SqlRow;

std::string quote_name(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string quote_text(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string render(const std::optional<std::string>& value) {
  return value ? quote_text(*value) : std::string("NULL");
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += separator;
    out += parts[i];
  }
  return out;
}

// One side of the comparison: a connection and its name in messages.
class Side {
 public:
  static Result<Side> open(std::string name, const mysql::ConnectionOptions& options) {
    mysql::SqlError error;
    auto connection = mysql::MysqlConnection::connect(options, error);
    if (!connection) {
      return Status::unavailable(fmt::format("cannot connect to the {} {}:{} as {}: {} (error {})",
                                             name, options.host, options.port, options.user,
                                             error.message, error.code));
    }
    return Side(std::move(name), std::move(connection));
  }

  Result<std::vector<SqlRow>> query(const std::string& sql) {
    std::vector<SqlRow> rows;
    if (auto error = connection_->query(sql, rows)) {
      return Status::io_error(fmt::format("{}: query failed: {} (error {}): {}", name_,
                                          error->message, error->code,
                                          sql.size() > 200 ? sql.substr(0, 200) + "..." : sql));
    }
    return rows;
  }

  const std::string& name() const { return name_; }

 private:
  Side(std::string name, std::unique_ptr<mysql::MysqlConnection> connection)
      : name_(std::move(name)), connection_(std::move(connection)) {}

  std::string name_;
  std::unique_ptr<mysql::MysqlConnection> connection_;
};

struct Column {
  std::string name;
  std::string definition;  // type, nullability and default, as information_schema shows them
};

Result<std::vector<std::string>> list_tables(Side& side, const std::string& schema) {
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, side.query(fmt::format("SELECT table_name FROM information_schema.tables WHERE "
                                        "table_schema = {} AND table_type = 'BASE TABLE'",
                                        quote_text(schema))));
  std::vector<std::string> tables;
  for (const auto& row : rows)
    if (!row.empty() && row[0]) tables.push_back(*row[0]);
  std::sort(tables.begin(), tables.end());
  return tables;
}

Result<bool> schema_exists(Side& side, const std::string& schema) {
  SLUICE_ASSIGN_OR_RETURN(auto rows,
                          side.query(fmt::format("SELECT 1 FROM information_schema.schemata WHERE "
                                                 "schema_name = {}",
                                                 quote_text(schema))));
  return !rows.empty();
}

Result<std::vector<Column>> list_columns(Side& side, const std::string& schema,
                                         const std::string& table) {
  SLUICE_ASSIGN_OR_RETURN(
      auto rows,
      side.query(fmt::format(
          "SELECT column_name, column_type, is_nullable, column_default, extra FROM "
          "information_schema.columns WHERE table_schema = {} AND table_name = {} ORDER BY "
          "ordinal_position",
          quote_text(schema), quote_text(table))));
  std::vector<Column> columns;
  for (const auto& row : rows) {
    if (row.size() < 5 || !row[0] || !row[1]) continue;
    std::string definition = *row[1];
    if (row[2] && *row[2] == "NO") definition += " NOT NULL";
    if (row[3]) definition += " DEFAULT " + *row[3];
    if (row[4] && !row[4]->empty()) definition += " " + *row[4];
    columns.push_back({*row[0], std::move(definition)});
  }
  return columns;
}

Result<std::vector<std::string>> primary_key(Side& side, const std::string& schema,
                                             const std::string& table) {
  SLUICE_ASSIGN_OR_RETURN(
      auto rows,
      side.query(fmt::format("SELECT column_name FROM information_schema.key_column_usage WHERE "
                             "table_schema = {} AND table_name = {} AND constraint_name = "
                             "'PRIMARY' ORDER BY ordinal_position",
                             quote_text(schema), quote_text(table))));
  std::vector<std::string> key;
  for (const auto& row : rows)
    if (!row.empty() && row[0]) key.push_back(*row[0]);
  return key;
}

// Compares one table present on both sides with the same columns.
class TableComparer {
 public:
  TableComparer(Side& source, Side& target, const SchemaPair& schemas, std::string table,
                std::vector<std::string> columns, std::vector<std::string> key,
                const DiffOptions& options, DiffSummary& summary, std::ostream& out)
      : source_(source),
        target_(target),
        table_(std::move(table)),
        source_name_(quote_name(schemas.source) + "." + quote_name(table_)),
        target_name_(quote_name(schemas.target) + "." + quote_name(table_)),
        label_(schemas.source == schemas.target
                   ? fmt::format("{}.{}", schemas.source, table_)
                   : fmt::format("{}.{} / {}.{}", schemas.source, table_, schemas.target, table_)),
        columns_(std::move(columns)),
        key_(std::move(key)),
        options_(options),
        summary_(summary),
        out_(out) {
    for (const auto& name : key_) {
      key_offsets_.push_back(static_cast<size_t>(std::find(columns_.begin(), columns_.end(), name) -
                                                 columns_.begin()));
    }
  }

  // True when the table's rows are equal.
  Result<bool> run() {
    std::vector<std::string> quoted;
    for (const auto& column : columns_)
      quoted.push_back(quote_name(column));
    select_list_ = join(quoted, ", ");
    std::vector<std::string> nulls;
    for (const auto& column : quoted)
      nulls.push_back(fmt::format("ISNULL({})", column));
    // The ISNULL flags tell NULL from '' (CONCAT_WS skips NULLs). SUM rather than BIT_XOR so
    // that duplicated rows of a table without a key cannot cancel out.
    checksum_expression_ =
        fmt::format("COUNT(*), IFNULL(SUM(CRC32(CONCAT_WS(',', {}, CONCAT({})))), 0)", select_list_,
                    join(nulls, ", "));
    if (key_.empty()) return compare_chunk("", "");
    std::vector<std::string> quoted_key;
    for (const auto& column : key_)
      quoted_key.push_back(quote_name(column));
    key_tuple_ = fmt::format("({})", join(quoted_key, ", "));
    order_by_ = join(quoted_key, ", ");

    // Chunk boundaries from the source: the key of every chunk_size-th row.
    std::vector<std::string> bounds;
    std::string after;
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(
          auto rows, source_.query(fmt::format(
                         "SELECT {} FROM {}{} ORDER BY {} LIMIT 1 OFFSET {}", order_by_,
                         source_name_, after.empty() ? "" : " WHERE " + key_tuple_ + " > " + after,
                         order_by_, options_.chunk_size - 1)));
      if (rows.empty()) break;
      std::vector<std::string> values;
      for (const auto& value : rows[0])
        values.push_back(render(value));
      after = fmt::format("({})", join(values, ", "));
      bounds.push_back(after);
    }
    bool equal = true;
    for (size_t i = 0; i <= bounds.size(); ++i) {
      std::vector<std::string> conditions;
      if (i > 0) conditions.push_back(key_tuple_ + " > " + bounds[i - 1]);
      if (i < bounds.size()) conditions.push_back(key_tuple_ + " <= " + bounds[i]);
      const std::string where = conditions.empty() ? "" : " WHERE " + join(conditions, " AND ");
      SLUICE_ASSIGN_OR_RETURN(bool same, compare_chunk(where, order_by_));
      equal = equal && same;
    }
    return equal;
  }

 private:
  Result<bool> compare_chunk(const std::string& where, const std::string& order_by) {
    ++summary_.chunks_checked;
    const std::string sql_tail = where;
    SLUICE_ASSIGN_OR_RETURN(auto source_sum,
                            source_.query(fmt::format("SELECT {} FROM {}{}", checksum_expression_,
                                                      source_name_, sql_tail)));
    SLUICE_ASSIGN_OR_RETURN(auto target_sum,
                            target_.query(fmt::format("SELECT {} FROM {}{}", checksum_expression_,
                                                      target_name_, sql_tail)));
    if (source_sum == target_sum) return true;
    ++summary_.chunks_differing;
    // Every column when there is no key: rows are then compared as multisets.
    const std::string order = order_by.empty() ? select_list_ : order_by;
    SLUICE_ASSIGN_OR_RETURN(
        auto source_rows, source_.query(fmt::format("SELECT {} FROM {}{} ORDER BY {}", select_list_,
                                                    source_name_, where, order)));
    SLUICE_ASSIGN_OR_RETURN(
        auto target_rows, target_.query(fmt::format("SELECT {} FROM {}{} ORDER BY {}", select_list_,
                                                    target_name_, where, order)));
    if (key_.empty()) {
      compare_multisets(source_rows, target_rows);
    } else {
      compare_keyed(source_rows, target_rows);
    }
    return false;
  }

  SqlRow key_of(const SqlRow& row) const {
    SqlRow key;
    for (size_t offset : key_offsets_)
      key.push_back(row.at(offset));
    return key;
  }

  std::string describe_key(const SqlRow& key) const {
    std::vector<std::string> parts;
    for (size_t i = 0; i < key.size(); ++i)
      parts.push_back(fmt::format("{}={}", key_[i], render(key[i])));
    return join(parts, ", ");
  }

  std::string describe_row(const SqlRow& row) const {
    std::vector<std::string> parts;
    for (size_t i = 0; i < row.size(); ++i)
      parts.push_back(fmt::format("{}={}", columns_[i], render(row[i])));
    return fmt::format("({})", join(parts, ", "));
  }

  void print(const std::string& line) {
    if (printed_++ < options_.max_printed_rows) out_ << line << '\n';
  }

  void compare_keyed(const std::vector<SqlRow>& source_rows,
                     const std::vector<SqlRow>& target_rows) {
    std::map<SqlRow, const SqlRow*> target_by_key;
    for (const auto& row : target_rows)
      target_by_key.emplace(key_of(row), &row);
    std::set<SqlRow> seen;
    for (const auto& row : source_rows) {
      SqlRow key = key_of(row);
      seen.insert(key);
      auto it = target_by_key.find(key);
      if (it == target_by_key.end()) {
        ++summary_.rows_missing;
        print(fmt::format("- {}: row missing on the target: {} {}", label_, describe_key(key),
                          describe_row(row)));
        continue;
      }
      const SqlRow& other = *it->second;
      std::vector<std::string> changes;
      for (size_t i = 0; i < row.size(); ++i) {
        if (row[i] != other[i]) {
          changes.push_back(fmt::format("{}: {} on the source, {} on the target", columns_[i],
                                        render(row[i]), render(other[i])));
        }
      }
      if (!changes.empty()) {
        ++summary_.rows_changed;
        print(fmt::format("~ {}: row differs: {}: {}", label_, describe_key(key),
                          join(changes, "; ")));
      }
    }
    for (const auto& row : target_rows) {
      SqlRow key = key_of(row);
      if (seen.count(key) != 0) continue;
      ++summary_.rows_extra;
      print(fmt::format("+ {}: extra row on the target: {} {}", label_, describe_key(key),
                        describe_row(row)));
    }
  }

  void compare_multisets(const std::vector<SqlRow>& source_rows,
                         const std::vector<SqlRow>& target_rows) {
    std::map<SqlRow, int64_t> balance;  // source count - target count
    for (const auto& row : source_rows)
      ++balance[row];
    for (const auto& row : target_rows)
      --balance[row];
    for (const auto& [row, count] : balance) {
      for (int64_t i = 0; i < count; ++i) {
        ++summary_.rows_missing;
        print(fmt::format("- {}: row missing on the target: {}", label_, describe_row(row)));
      }
      for (int64_t i = 0; i < -count; ++i) {
        ++summary_.rows_extra;
        print(fmt::format("+ {}: extra row on the target: {}", label_, describe_row(row)));
      }
    }
  }

  Side& source_;
  Side& target_;
  std::string table_;
  std::string source_name_;
  std::string target_name_;
  std::string label_;
  std::vector<std::string> columns_;
  std::vector<std::string> key_;
  std::vector<size_t> key_offsets_;
  const DiffOptions& options_;
  DiffSummary& summary_;
  std::ostream& out_;
  std::string select_list_;
  std::string checksum_expression_;
  std::string key_tuple_;
  std::string order_by_;
  int64_t printed_ = 0;
};

std::string describe_columns(const std::vector<Column>& columns) {
  std::vector<std::string> parts;
  for (const auto& column : columns)
    parts.push_back(column.name + " " + column.definition);
  return fmt::format("({})", join(parts, ", "));
}

Status compare_schema(Side& source, Side& target, const SchemaPair& schemas,
                      const DiffOptions& options, DiffSummary& summary, std::ostream& out) {
  SLUICE_ASSIGN_OR_RETURN(bool source_exists, schema_exists(source, schemas.source));
  if (!source_exists) {
    return Status::not_found(fmt::format("schema {} does not exist on the source", schemas.source));
  }
  SLUICE_ASSIGN_OR_RETURN(auto source_tables, list_tables(source, schemas.source));
  SLUICE_ASSIGN_OR_RETURN(auto target_tables, list_tables(target, schemas.target));
  std::set<std::string> on_target(target_tables.begin(), target_tables.end());
  for (const auto& table : target_tables) {
    if (!std::binary_search(source_tables.begin(), source_tables.end(), table)) {
      ++summary.tables_differing;
      out << fmt::format("+ {}.{}: table exists only on the target\n", schemas.target, table);
    }
  }
  for (const auto& table : source_tables) {
    if (on_target.count(table) == 0) {
      ++summary.tables_differing;
      out << fmt::format("- {}.{}: table missing on the target\n", schemas.source, table);
      continue;
    }
    ++summary.tables_compared;
    SLUICE_ASSIGN_OR_RETURN(auto source_columns, list_columns(source, schemas.source, table));
    SLUICE_ASSIGN_OR_RETURN(auto target_columns, list_columns(target, schemas.target, table));
    auto same = [](const Column& a, const Column& b) {
      return a.name == b.name && a.definition == b.definition;
    };
    if (!std::equal(source_columns.begin(), source_columns.end(), target_columns.begin(),
                    target_columns.end(), same)) {
      ++summary.tables_differing;
      out << fmt::format("~ {}.{}: columns differ: source {}, target {}\n", schemas.source, table,
                         describe_columns(source_columns), describe_columns(target_columns));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(auto key, primary_key(source, schemas.source, table));
    std::vector<std::string> names;
    for (const auto& column : source_columns)
      names.push_back(column.name);
    TableComparer comparer(source, target, schemas, table, std::move(names), std::move(key),
                           options, summary, out);
    SLUICE_ASSIGN_OR_RETURN(bool equal, comparer.run());
    if (!equal) ++summary.tables_differing;
  }
  return Status::ok();
}

}  // namespace

Result<SchemaPair> parse_schema_pair(const std::string& text) {
  const auto equals = text.find('=');
  SchemaPair pair;
  pair.source = text.substr(0, equals);
  pair.target = equals == std::string::npos ? pair.source : text.substr(equals + 1);
  if (pair.source.empty() || pair.target.empty()) {
    return Status::invalid_argument(
        fmt::format("bad schema '{}': expected NAME or SOURCE_NAME=TARGET_NAME", text));
  }
  return pair;
}

Result<DiffSummary> compare_databases(const DiffOptions& options, std::ostream& out) {
  if (options.chunk_size < 1) {
    return Status::invalid_argument(
        fmt::format("chunk size must be at least 1, not {}", options.chunk_size));
  }
  SLUICE_ASSIGN_OR_RETURN(Side source, Side::open("source", options.source));
  SLUICE_ASSIGN_OR_RETURN(Side target, Side::open("target", options.target));
  std::vector<SchemaPair> schemas = options.schemas;
  if (schemas.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto rows,
                            source.query("SELECT schema_name FROM information_schema.schemata"));
    static const std::set<std::string> kSkipped = {"mysql", "information_schema",
                                                   "performance_schema", "sys", "tidb_binlog"};
    for (const auto& row : rows) {
      if (!row.empty() && row[0] && kSkipped.count(*row[0]) == 0) {
        schemas.push_back({*row[0], *row[0]});
      }
    }
    std::sort(schemas.begin(), schemas.end(),
              [](const SchemaPair& a, const SchemaPair& b) { return a.source < b.source; });
  }
  DiffSummary summary;
  for (const auto& pair : schemas) {
    SLUICE_RETURN_IF_ERROR(compare_schema(source, target, pair, options, summary, out));
  }
  out << fmt::format(
      "{}: {} table(s) compared, {} differ; {} chunk(s) checked, {} differ; rows: {} missing on "
      "the target, {} extra on the target, {} different\n",
      summary.equal() ? "equal" : "DIFFERENT", summary.tables_compared, summary.tables_differing,
      summary.chunks_checked, summary.chunks_differing, summary.rows_missing, summary.rows_extra,
      summary.rows_changed);
  return summary;
}

}  // namespace sluice::sync_diff
