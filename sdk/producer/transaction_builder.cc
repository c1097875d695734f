#include "sdk/producer/transaction_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/codec/datum_codec.h"
#include "core/codec/row_format.h"
#include "sdk/producer/datum_conversion.h"

namespace sluice::producer {

struct TransactionBuilder::Target {
  TableRef ref;
  int64_t physical_id = 0;
  std::string where;  // "table `db`.`t`" for messages

  const schema::TableInfo& table() const { return *ref.info; }
  // Neither an integer nor a clustered handle: rows are addressed by _tidb_rowid.
  bool uses_row_id() const { return !table().pk_is_handle && !table().is_common_handle; }
};

namespace {

using codec::ColumnDatum;
using codec::Datum;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// TiDB's types.NeedRestoredData with new collations enabled (the default since v6.0): a clustered
// key column whose key bytes are a collation sort key cannot be rebuilt from the key alone, so the
// row keeps it.
bool need_restored_data(const schema::ColumnInfo& column) {
  namespace mt = schema::mysql_type;
  if (!is_string_type(column.type) || column.collate == "binary") return false;
  const bool varchar = column.type == mt::kVarchar || column.type == mt::kVarString;
  return (!ends_with(column.collate, "_bin") || varchar) && column.collate != "utf8mb4_0900_bin";
}

const schema::IndexColumn* primary_index_column(const schema::TableInfo& table,
                                                const schema::ColumnInfo& column) {
  const schema::IndexInfo* primary = table.primary_index();
  if (primary == nullptr) return nullptr;
  for (const auto& index_column : primary->columns) {
    if (index_column.offset == column.offset) return &index_column;
  }
  return nullptr;
}

// TiDB's tables.CanSkip: columns left out of an inserted row.
bool skip_in_insert(const schema::TableInfo& table, const schema::ColumnInfo& column,
                    const Datum& value) {
  if (table.pk_is_handle && column.is_primary_key()) return true;
  if (table.is_common_handle) {
    if (const schema::IndexColumn* key = primary_index_column(table, column)) {
      return key->length == -1 && !need_restored_data(column);
    }
  }
  return !column.default_value && value.is_null() && !column.origin_default_value;
}

int64_t int_handle_of(const Datum& datum) {
  // An UNSIGNED key keeps its bits: TiDB's handle is the uint64 read as int64.
  return datum.kind == codec::DatumKind::kUint64 ? static_cast<int64_t>(datum.u64) : datum.i64;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

TransactionBuilder::TransactionBuilder(Catalog& catalog) : catalog_(catalog) {
  value_.set_schema_version(catalog_.schema_version());
}

Result<TransactionBuilder::Target> TransactionBuilder::resolve(std::string_view db,
                                                               std::string_view table,
                                                               const RowOptions& options) const {
  SLUICE_ASSIGN_OR_RETURN(TableRef ref, catalog_.find_table(db, table));
  Target target;
  target.where = fmt::format("table `{}`.`{}`", ref.db_name, ref.info->name);
  target.physical_id = ref.info->id;
  const auto& partitions = ref.info->partitions;
  if (partitions.empty() && !options.partition.empty()) {
    return Status::invalid_argument(fmt::format("{} is not partitioned (partition `{}` given)",
                                                target.where, options.partition));
  }
  if (!partitions.empty()) {
    if (options.partition.empty()) {
      return Status::invalid_argument(
          fmt::format("{} is partitioned: name the partition of the row", target.where));
    }
    const auto it = std::find_if(partitions.begin(), partitions.end(), [&](const auto& p) {
      return equals_ignore_case(p.name, options.partition);
    });
    if (it == partitions.end()) {
      return Status::invalid_argument(
          fmt::format("{} has no partition `{}`", target.where, options.partition));
    }
    target.physical_id = it->id;
  }
  target.ref = std::move(ref);
  return target;
}

Result<std::vector<Datum>> TransactionBuilder::datums_of(const Target& target, const Row& row,
                                                         const std::vector<Datum>* base) const {
  const schema::TableInfo& table = target.table();
  std::vector<Datum> datums(table.columns.size());
  std::vector<bool> given(table.columns.size(), false);
  for (const auto& [name, value] : row) {
    const schema::ColumnInfo* column = table.find_column(name);
    if (column == nullptr) {
      return Status::invalid_argument(fmt::format("{} has no column `{}`", target.where, name));
    }
    const auto index = static_cast<size_t>(column->offset);
    if (given[index]) {
      return Status::invalid_argument(
          fmt::format("{} column `{}` is given twice", target.where, column->name));
    }
    auto datum = to_datum(*column, value);
    if (!datum.is_ok()) {
      return datum.status().with_context(fmt::format("{} column `{}`", target.where, column->name));
    }
    datums[index] = std::move(datum).value();
    given[index] = true;
  }
  for (const auto& column : table.columns) {
    const auto index = static_cast<size_t>(column.offset);
    if (given[index]) continue;
    if (base != nullptr) {
      datums[index] = (*base)[index];
    } else if (column.default_value) {
      auto datum = default_to_datum(column, *column.default_value);
      if (!datum.is_ok()) {
        return datum.status().with_context(
            fmt::format("{} column `{}` default", target.where, column.name));
      }
      datums[index] = std::move(datum).value();
    } else if ((column.flag & schema::kNotNullFlag) != 0) {
      return Status::invalid_argument(fmt::format(
          "{} column `{}` has no value and no default (NOT NULL)", target.where, column.name));
    }
  }
  return datums;
}

std::vector<Datum> TransactionBuilder::handle_datums(const Target& target,
                                                     const std::vector<Datum>& row) const {
  const schema::TableInfo& table = target.table();
  if (const schema::ColumnInfo* column = table.handle_column()) {
    return {Datum::from_int64(int_handle_of(row[static_cast<size_t>(column->offset)]))};
  }
  std::vector<Datum> handle;
  if (const schema::IndexInfo* primary = table.primary_index()) {
    for (const auto& column : primary->columns)
      handle.push_back(row[static_cast<size_t>(column.offset)]);
  }
  return handle;
}

std::string TransactionBuilder::row_key(const Target& target, const std::vector<Datum>& row) const {
  // The first key that identifies the row: the (non-clustered) primary key, else the first unique
  // key without NULLs, else every column.
  const schema::TableInfo& table = target.table();
  std::string key;
  for (const auto& index : table.indices) {
    if (!index.unique) continue;
    const bool complete = std::none_of(index.columns.begin(), index.columns.end(), [&](auto& c) {
      return row[static_cast<size_t>(c.offset)].is_null();
    });
    if (!complete) continue;
    key = fmt::format("i{}:", index.id);
    for (const auto& column : index.columns) {
      (void)codec::encode_key(key, row[static_cast<size_t>(column.offset)]);
    }
    return key;
  }
  key = "r:";
  for (const auto& datum : row)
    (void)codec::encode_key(key, datum);
  return key;
}

Result<int64_t> TransactionBuilder::existing_row_id(const Target& target,
                                                    const std::vector<Datum>& row,
                                                    const RowOptions& options) const {
  if (options.handle) return *options.handle;
  if (auto id = catalog_.find_row_id(target.table().id, row_key(target, row))) return *id;
  return Status::not_found(fmt::format(
      "{}: no row id known for this row (it was not inserted through this catalog, or its key "
      "differs); pass RowOptions::handle",
      target.where));
}

Result<std::string> TransactionBuilder::encode_insert(const Target& target,
                                                      const std::vector<Datum>& row,
                                                      const std::vector<Datum>& handle) const {
  const schema::TableInfo& table = target.table();
  std::vector<ColumnDatum> columns;
  columns.reserve(table.columns.size());
  for (const auto& column : table.columns) {
    const Datum& value = row[static_cast<size_t>(column.offset)];
    if (!skip_in_insert(table, column, value)) columns.push_back({column.id, value});
  }
  std::string bytes;
  SLUICE_RETURN_IF_ERROR(codec::encode_inserted_row(bytes, handle, columns));
  return bytes;
}

Result<std::string> TransactionBuilder::encode_update(const Target& target,
                                                      const std::vector<Datum>& old_row,
                                                      const std::vector<Datum>& new_row,
                                                      int64_t row_id) const {
  const schema::TableInfo& table = target.table();
  std::vector<ColumnDatum> old_columns;
  std::vector<ColumnDatum> new_columns;
  for (const auto& column : table.columns) {
    const auto index = static_cast<size_t>(column.offset);
    old_columns.push_back({column.id, old_row[index]});
    new_columns.push_back({column.id, new_row[index]});
  }
  if (target.uses_row_id()) {
    old_columns.push_back({codec::kExtraHandleColumnId, Datum::from_int64(row_id)});
    new_columns.push_back({codec::kExtraHandleColumnId, Datum::from_int64(row_id)});
  }
  std::string bytes;
  SLUICE_RETURN_IF_ERROR(codec::encode_updated_row(bytes, old_columns, new_columns));
  return bytes;
}

Result<std::string> TransactionBuilder::encode_delete(const Target& target,
                                                      const std::vector<Datum>& row,
                                                      int64_t row_id) const {
  const schema::TableInfo& table = target.table();
  std::vector<ColumnDatum> columns;
  for (const auto& column : table.columns)
    columns.push_back({column.id, row[static_cast<size_t>(column.offset)]});
  if (target.uses_row_id()) {
    columns.push_back({codec::kExtraHandleColumnId, Datum::from_int64(row_id)});
  }
  std::string bytes;
  SLUICE_RETURN_IF_ERROR(codec::encode_old_row(bytes, columns));
  return bytes;
}

void TransactionBuilder::append(const Target& target, binlog::MutationType type, std::string bytes,
                                const std::vector<Datum>& handle) {
  auto [it, added] = mutation_index_.try_emplace(target.physical_id, value_.mutations_size());
  if (added) value_.add_mutations()->set_table_id(target.physical_id);
  binlog::TableMutation& mutation = *value_.mutable_mutations(it->second);
  switch (type) {
    case binlog::Insert:
      mutation.add_inserted_rows(std::move(bytes));
      break;
    case binlog::Update:
      mutation.add_updated_rows(std::move(bytes));
      break;
    default:
      mutation.add_deleted_rows(std::move(bytes));
      break;
  }
  mutation.add_sequence(type);
  if (primary_key_.empty()) {
    // tablecodec.EncodeRowKey: 't' + comparable table id + "_r" + comparable handle.
    primary_key_.push_back('t');
    codec::append_comparable_int(primary_key_, target.physical_id);
    primary_key_ += "_r";
    if (handle.size() == 1 && handle[0].kind == codec::DatumKind::kInt64 &&
        !target.table().is_common_handle) {
      codec::append_comparable_int(primary_key_, handle[0].i64);
    } else {
      for (const auto& datum : handle)
        (void)codec::encode_key(primary_key_, datum);
    }
  }
}

Result<int64_t> TransactionBuilder::insert(std::string_view db, std::string_view table,
                                           const Row& row, const RowOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(Target target, resolve(db, table, options));
  SLUICE_ASSIGN_OR_RETURN(std::vector<Datum> datums, datums_of(target, row, nullptr));
  if (options.handle && !target.uses_row_id()) {
    return Status::invalid_argument(fmt::format(
        "{}: RowOptions::handle applies only to tables without an integer or clustered primary "
        "key",
        target.where));
  }
  std::vector<Datum> handle;
  int64_t int_handle = 0;
  if (target.uses_row_id()) {
    if (options.handle) {
      int_handle = *options.handle;
    } else {
      SLUICE_ASSIGN_OR_RETURN(int_handle, catalog_.allocate_row_id(target.table().id));
    }
    handle = {Datum::from_int64(int_handle)};
  } else {
    handle = handle_datums(target, datums);
    if (target.table().pk_is_handle) int_handle = handle[0].i64;
  }
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, encode_insert(target, datums, handle));
  append(target, binlog::Insert, std::move(bytes), handle);
  if (target.uses_row_id()) {
    catalog_.remember_row_id(target.table().id, row_key(target, datums), int_handle);
  }
  return int_handle;
}

Status TransactionBuilder::update(std::string_view db, std::string_view table, const Row& old_row,
                                  const Row& new_row, const RowOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(Target target, resolve(db, table, options));
  SLUICE_ASSIGN_OR_RETURN(std::vector<Datum> old_datums, datums_of(target, old_row, nullptr));
  SLUICE_ASSIGN_OR_RETURN(std::vector<Datum> new_datums, datums_of(target, new_row, &old_datums));
  if (!target.uses_row_id()) {
    const std::vector<Datum> old_handle = handle_datums(target, old_datums);
    const std::vector<Datum> new_handle = handle_datums(target, new_datums);
    if (old_handle != new_handle) {
      // TiDB's UPDATE of the handle itself removes the old record and adds the new one.
      SLUICE_ASSIGN_OR_RETURN(std::string deleted, encode_delete(target, old_datums, 0));
      SLUICE_ASSIGN_OR_RETURN(std::string inserted, encode_insert(target, new_datums, new_handle));
      append(target, binlog::DeleteRow, std::move(deleted), old_handle);
      append(target, binlog::Insert, std::move(inserted), new_handle);
      return Status::ok();
    }
    SLUICE_ASSIGN_OR_RETURN(std::string bytes, encode_update(target, old_datums, new_datums, 0));
    append(target, binlog::Update, std::move(bytes), old_handle);
    return Status::ok();
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t row_id, existing_row_id(target, old_datums, options));
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, encode_update(target, old_datums, new_datums, row_id));
  append(target, binlog::Update, std::move(bytes), {Datum::from_int64(row_id)});
  const std::string old_key = row_key(target, old_datums);
  const std::string new_key = row_key(target, new_datums);
  if (old_key != new_key) catalog_.forget_row_id(target.table().id, old_key);
  catalog_.remember_row_id(target.table().id, new_key, row_id);
  return Status::ok();
}

Status TransactionBuilder::erase(std::string_view db, std::string_view table, const Row& row,
                                 const RowOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(Target target, resolve(db, table, options));
  SLUICE_ASSIGN_OR_RETURN(std::vector<Datum> datums, datums_of(target, row, nullptr));
  if (!target.uses_row_id()) {
    SLUICE_ASSIGN_OR_RETURN(std::string bytes, encode_delete(target, datums, 0));
    append(target, binlog::DeleteRow, std::move(bytes), handle_datums(target, datums));
    return Status::ok();
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t row_id, existing_row_id(target, datums, options));
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, encode_delete(target, datums, row_id));
  append(target, binlog::DeleteRow, std::move(bytes), {Datum::from_int64(row_id)});
  catalog_.forget_row_id(target.table().id, row_key(target, datums));
  return Status::ok();
}

}  // namespace sluice::producer
