#include "core/decode/mutation_decoder.h"

#include <fmt/format.h>

#include <unordered_map>

#include "core/codec/byte_reader.h"
#include "core/codec/datum_codec.h"
#include "core/codec/row_format.h"
#include "core/decode/value_conversion.h"

namespace sluice::decode {
namespace {

using codec::ColumnDatum;
using codec::Datum;
using DatumsById = std::unordered_map<int64_t, Datum>;

// Decodes a row in either format into column id -> datum.
Status read_row(std::string_view bytes, const schema::TableInfo& table, DatumsById& out) {
  if (codec::is_new_row_format(bytes)) {
    SLUICE_ASSIGN_OR_RETURN(auto columns, codec::parse_new_row(bytes));
    for (const auto& raw : columns) {
      if (raw.is_null) {
        out[raw.column_id] = Datum::null();
        continue;
      }
      const schema::ColumnInfo* column = table.find_column(raw.column_id);
      if (column == nullptr) continue;  // a column this layout does not know (dropped)
      SLUICE_ASSIGN_OR_RETURN(Datum datum,
                              codec::decode_new_format_value(raw.bytes, new_format_kind(*column)));
      out[raw.column_id] = std::move(datum);
    }
    return Status::ok();
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<ColumnDatum> columns, codec::decode_old_row(bytes));
  for (auto& column : columns)
    out[column.column_id] = std::move(column.value);
  return Status::ok();
}

Result<std::vector<NeutralValue>> to_values(const TableLayout& layout, const DatumsById& datums,
                                            const Datum* handle) {
  std::vector<NeutralValue> values;
  values.reserve(layout.columns.size());
  const schema::ColumnInfo* handle_column = layout.table->handle_column();
  for (const LayoutColumn& column : layout.columns) {
    const auto found = datums.find(column.source->id);
    if (found != datums.end()) {
      auto value = to_neutral(found->second, *column.source);
      if (!value.is_ok()) return value.status();
      values.push_back(std::move(value).value());
    } else if (handle != nullptr && handle_column != nullptr &&
               handle_column->id == column.source->id) {
      // PK-is-handle tables leave the key out of the row; it is the handle (unsigned if the
      // column is).
      SLUICE_ASSIGN_OR_RETURN(NeutralValue value, to_neutral(*handle, *column.source));
      values.push_back(std::move(value));
    } else {
      SLUICE_ASSIGN_OR_RETURN(NeutralValue value, missing_column_value(*column.source));
      values.push_back(std::move(value));
    }
  }
  return values;
}

size_t handle_datum_count(const schema::TableInfo& table) {
  if (table.is_common_handle) {
    const schema::IndexInfo* primary = table.primary_index();
    return primary ? primary->columns.size() : 1;
  }
  return 1;
}

}  // namespace

Result<std::shared_ptr<const TableLayout>> MutationDecoder::layout_for(int64_t table_id,
                                                                       int64_t schema_version) {
  SLUICE_ASSIGN_OR_RETURN(schema::TableAtVersion found, tracker_.find(table_id, schema_version));
  const auto key = std::make_pair(found.logical_table_id, found.version);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    it = cache_.emplace(key, build_layout(found.schema_name, found.table, found.version)).first;
  }
  return it->second;
}

Status MutationDecoder::decode(const binlog::TableMutation& mutation, int64_t schema_version,
                               std::vector<RowChange>& out) {
  SLUICE_ASSIGN_OR_RETURN(auto layout, layout_for(mutation.table_id(), schema_version));
  const schema::TableInfo& table = *layout->table;
  const std::string where = fmt::format("table {}.{} (id {})", layout->schema_name,
                                        layout->table_name, mutation.table_id());

  auto insert = [&](int index) -> Status {
    const std::string& bytes = mutation.inserted_rows(index);
    codec::ByteReader reader(bytes);
    std::vector<Datum> handle;
    for (size_t i = 0; i < handle_datum_count(table); ++i) {
      SLUICE_ASSIGN_OR_RETURN(Datum datum, codec::decode_datum(reader));
      handle.push_back(std::move(datum));
    }
    DatumsById datums;
    SLUICE_RETURN_IF_ERROR(read_row(reader.rest(), table, datums));
    RowChange change;
    change.type = ChangeType::kInsert;
    change.layout = layout;
    SLUICE_ASSIGN_OR_RETURN(
        change.new_values,
        to_values(*layout, datums, table.is_common_handle ? nullptr : &handle[0]));
    out.push_back(std::move(change));
    return Status::ok();
  };
  auto update = [&](int index) -> Status {
    SLUICE_ASSIGN_OR_RETURN(codec::UpdatedRow row,
                            codec::decode_updated_row(mutation.updated_rows(index)));
    DatumsById old_datums;
    DatumsById new_datums;
    for (auto& column : row.old_columns)
      old_datums[column.column_id] = std::move(column.value);
    for (auto& column : row.new_columns)
      new_datums[column.column_id] = std::move(column.value);
    RowChange change;
    change.type = ChangeType::kUpdate;
    change.layout = layout;
    SLUICE_ASSIGN_OR_RETURN(change.old_values, to_values(*layout, old_datums, nullptr));
    SLUICE_ASSIGN_OR_RETURN(change.new_values, to_values(*layout, new_datums, nullptr));
    out.push_back(std::move(change));
    return Status::ok();
  };
  auto erase = [&](int index) -> Status {
    DatumsById datums;
    SLUICE_RETURN_IF_ERROR(read_row(mutation.deleted_rows(index), table, datums));
    RowChange change;
    change.type = ChangeType::kDelete;
    change.layout = layout;
    SLUICE_ASSIGN_OR_RETURN(change.old_values, to_values(*layout, datums, nullptr));
    out.push_back(std::move(change));
    return Status::ok();
  };
  auto with_context = [&](Status status, std::string_view kind, int index) {
    return status.is_ok() ? status
                          : status.with_context(fmt::format("{}: {} row #{}", where, kind, index));
  };

  if (mutation.sequence_size() == 0) {
    for (int i = 0; i < mutation.inserted_rows_size(); ++i) {
      SLUICE_RETURN_IF_ERROR(with_context(insert(i), "inserted", i));
    }
    for (int i = 0; i < mutation.updated_rows_size(); ++i) {
      SLUICE_RETURN_IF_ERROR(with_context(update(i), "updated", i));
    }
    for (int i = 0; i < mutation.deleted_rows_size(); ++i) {
      SLUICE_RETURN_IF_ERROR(with_context(erase(i), "deleted", i));
    }
    return Status::ok();
  }
  int inserted = 0;
  int updated = 0;
  int deleted = 0;
  for (int s = 0; s < mutation.sequence_size(); ++s) {
    switch (mutation.sequence(s)) {
      case binlog::Insert:
        if (inserted >= mutation.inserted_rows_size()) {
          return Status::corruption(fmt::format("{}: sequence names insert #{} but there are {}",
                                                where, inserted, mutation.inserted_rows_size()));
        }
        SLUICE_RETURN_IF_ERROR(with_context(insert(inserted), "inserted", inserted));
        ++inserted;
        break;
      case binlog::Update:
        if (updated >= mutation.updated_rows_size()) {
          return Status::corruption(fmt::format("{}: sequence names update #{} but there are {}",
                                                where, updated, mutation.updated_rows_size()));
        }
        SLUICE_RETURN_IF_ERROR(with_context(update(updated), "updated", updated));
        ++updated;
        break;
      case binlog::DeleteRow:
        if (deleted >= mutation.deleted_rows_size()) {
          return Status::corruption(fmt::format("{}: sequence names delete #{} but there are {}",
                                                where, deleted, mutation.deleted_rows_size()));
        }
        SLUICE_RETURN_IF_ERROR(with_context(erase(deleted), "deleted", deleted));
        ++deleted;
        break;
      default:
        return Status::unsupported(
            fmt::format("{}: obsolete mutation type {} (DeleteID/DeletePK) carries no row image",
                        where, static_cast<int>(mutation.sequence(s))));
    }
  }
  return Status::ok();
}

}  // namespace sluice::decode
