#include "core/decode/mutation_decoder.h"

#include <fmt/format.h>

#include "core/codec/byte_reader.h"
#include "core/codec/datum_codec.h"
#include "core/codec/datum_view.h"
#include "core/codec/row_format.h"
#include "core/decode/value_conversion.h"

namespace sluice::decode {
namespace {

using codec::DatumKind;
using codec::DatumView;

size_t handle_datum_count(const schema::TableInfo& table) {
  if (table.is_common_handle) {
    const schema::IndexInfo* primary = table.primary_index();
    return primary ? primary->columns.size() : 1;
  }
  return 1;
}

Result<int64_t> column_id_of(const DatumView& datum, size_t position) {
  if (datum.kind == DatumKind::kInt64) return datum.i64;
  if (datum.kind == DatumKind::kUint64 && datum.u64 <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(datum.u64);
  }
  return Status::corruption(fmt::format("row: column id at offset {} is a {} datum", position,
                                        codec::datum_kind_name(datum.kind)));
}

void fill_missing(const TableLayout& layout, std::vector<sluice_value_t>& values,
                  const std::vector<uint8_t>& filled, TextArena& arena) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!filled[i]) values[i] = missing_column_value(*layout.columns[i].source, arena);
  }
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

Status MutationDecoder::read_row(std::string_view bytes, const TableLayout& layout,
                                 TextArena& arena, std::vector<sluice_value_t>& values,
                                 std::vector<uint8_t>& filled,
                                 std::vector<sluice_value_t>* second_values,
                                 std::vector<uint8_t>* second_filled) {
  if (codec::is_new_row_format(bytes)) {
    SLUICE_ASSIGN_OR_RETURN(auto columns, codec::parse_new_row(bytes));
    for (const auto& raw : columns) {
      const int index = layout.index_of(raw.column_id);
      if (index < 0) continue;  // a column this layout does not carry
      const schema::ColumnInfo& column = *layout.columns[static_cast<size_t>(index)].source;
      sluice_value_t value = null_value();
      if (!raw.is_null) {
        SLUICE_ASSIGN_OR_RETURN(codec::Datum datum,
                                codec::decode_new_format_value(raw.bytes, new_format_kind(column)));
        SLUICE_ASSIGN_OR_RETURN(value, to_value(datum, column, arena));
      }
      values[static_cast<size_t>(index)] = value;
      filled[static_cast<size_t>(index)] = 1;
    }
    return Status::ok();
  }
  codec::ByteReader reader(bytes);
  if (bytes.size() == 1 && bytes[0] == '\0') return Status::ok();  // the empty-row marker
  DatumView datum;
  while (!reader.empty()) {
    const size_t position = reader.position();
    SLUICE_RETURN_IF_ERROR(codec::decode_datum_view(reader, datum, scratch_));
    SLUICE_ASSIGN_OR_RETURN(int64_t column_id, column_id_of(datum, position));
    if (reader.empty()) {
      return Status::corruption(
          fmt::format("row: column id {} at offset {} has no value", column_id, position));
    }
    const int index = layout.index_of(column_id);
    if (index < 0) {
      // The extra handle (-1), or a column the layout does not carry (dropped, generated).
      SLUICE_RETURN_IF_ERROR(codec::skip_datum(reader));
      continue;
    }
    SLUICE_RETURN_IF_ERROR(codec::decode_datum_view(reader, datum, scratch_));
    const auto slot = static_cast<size_t>(index);
    std::vector<sluice_value_t>* target = &values;
    std::vector<uint8_t>* target_filled = &filled;
    if (filled[slot]) {
      if (second_values == nullptr || (*second_filled)[slot]) {
        return Status::corruption(fmt::format("row: column id {} appears too often", column_id));
      }
      target = second_values;
      target_filled = second_filled;
    }
    SLUICE_ASSIGN_OR_RETURN((*target)[slot], to_value(datum, *layout.columns[slot].source, arena));
    if (datum.kind == DatumKind::kBytes && datum.bytes.data() == scratch_.data()) {
      (*target)[slot] = bytes_value(arena.copy(datum.bytes));  // scratch is reused: keep a copy
    }
    (*target_filled)[slot] = 1;
  }
  return Status::ok();
}

Status MutationDecoder::decode(const binlog::TableMutation& mutation, int64_t schema_version,
                               std::vector<RowChange>& out, TextArena& arena) {
  SLUICE_ASSIGN_OR_RETURN(auto layout, layout_for(mutation.table_id(), schema_version));
  const schema::TableInfo& table = *layout->table;
  const size_t width = layout->columns.size();
  const schema::ColumnInfo* handle_column = table.handle_column();
  const int handle_index = handle_column ? layout->index_of(handle_column->id) : -1;

  auto insert = [&](int index) -> Status {
    const std::string& bytes = mutation.inserted_rows(index);
    codec::ByteReader reader(bytes);
    const size_t handle_count = handle_datum_count(table);
    handles_.resize(handle_count);
    for (size_t i = 0; i < handle_count; ++i) {
      SLUICE_RETURN_IF_ERROR(codec::decode_datum_view(reader, handles_[i], scratch_));
      if (handles_[i].kind == DatumKind::kBytes && handles_[i].bytes.data() == scratch_.data()) {
        handles_[i].bytes = arena.copy(handles_[i].bytes);  // scratch is reused below
      }
    }
    RowChange change;
    change.type = ChangeType::kInsert;
    change.layout = layout;
    change.new_values.assign(width, null_value());
    filled_.assign(width, 0);
    SLUICE_RETURN_IF_ERROR(
        read_row(reader.rest(), *layout, arena, change.new_values, filled_, nullptr, nullptr));
    // Key columns TiDB can rebuild from the handle are left out of the row: PK-is-handle tables
    // always (the int handle, unsigned if the column is), clustered tables for primary-key
    // columns whose value the key holds. Restore them from the handle datum(s).
    if (handle_index >= 0 && !filled_[static_cast<size_t>(handle_index)]) {
      SLUICE_ASSIGN_OR_RETURN(change.new_values[static_cast<size_t>(handle_index)],
                              to_value(handles_[0], *handle_column, arena));
      filled_[static_cast<size_t>(handle_index)] = 1;
    }
    if (const schema::IndexInfo* primary = table.primary_index()) {
      for (size_t i = 0; i < primary->columns.size() && i < handle_count; ++i) {
        const auto offset = static_cast<size_t>(primary->columns[i].offset);
        if (offset >= table.columns.size()) continue;
        const int slot = layout->index_of(table.columns[offset].id);
        if (slot < 0 || filled_[static_cast<size_t>(slot)]) continue;
        SLUICE_ASSIGN_OR_RETURN(change.new_values[static_cast<size_t>(slot)],
                                to_value(handles_[i], table.columns[offset], arena));
        filled_[static_cast<size_t>(slot)] = 1;
      }
    }
    fill_missing(*layout, change.new_values, filled_, arena);
    out.push_back(std::move(change));
    return Status::ok();
  };
  auto update = [&](int index) -> Status {
    RowChange change;
    change.type = ChangeType::kUpdate;
    change.layout = layout;
    change.old_values.assign(width, null_value());
    change.new_values.assign(width, null_value());
    filled_.assign(width, 0);
    second_filled_.assign(width, 0);
    SLUICE_RETURN_IF_ERROR(read_row(mutation.updated_rows(index), *layout, arena, change.old_values,
                                    filled_, &change.new_values, &second_filled_));
    fill_missing(*layout, change.old_values, filled_, arena);
    fill_missing(*layout, change.new_values, second_filled_, arena);
    out.push_back(std::move(change));
    return Status::ok();
  };
  auto erase = [&](int index) -> Status {
    RowChange change;
    change.type = ChangeType::kDelete;
    change.layout = layout;
    change.old_values.assign(width, null_value());
    filled_.assign(width, 0);
    SLUICE_RETURN_IF_ERROR(read_row(mutation.deleted_rows(index), *layout, arena, change.old_values,
                                    filled_, nullptr, nullptr));
    fill_missing(*layout, change.old_values, filled_, arena);
    out.push_back(std::move(change));
    return Status::ok();
  };
  auto where = [&] {
    return fmt::format("table {}.{} (id {})", layout->schema_name, layout->table_name,
                       mutation.table_id());
  };
  auto with_context = [&](Status status, std::string_view kind, int index) {
    return status.is_ok()
               ? status
               : status.with_context(fmt::format("{}: {} row #{}", where(), kind, index));
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
                                                where(), inserted, mutation.inserted_rows_size()));
        }
        SLUICE_RETURN_IF_ERROR(with_context(insert(inserted), "inserted", inserted));
        ++inserted;
        break;
      case binlog::Update:
        if (updated >= mutation.updated_rows_size()) {
          return Status::corruption(fmt::format("{}: sequence names update #{} but there are {}",
                                                where(), updated, mutation.updated_rows_size()));
        }
        SLUICE_RETURN_IF_ERROR(with_context(update(updated), "updated", updated));
        ++updated;
        break;
      case binlog::DeleteRow:
        if (deleted >= mutation.deleted_rows_size()) {
          return Status::corruption(fmt::format("{}: sequence names delete #{} but there are {}",
                                                where(), deleted, mutation.deleted_rows_size()));
        }
        SLUICE_RETURN_IF_ERROR(with_context(erase(deleted), "deleted", deleted));
        ++deleted;
        break;
      default:
        return Status::unsupported(
            fmt::format("{}: obsolete mutation type {} (DeleteID/DeletePK) carries no row image",
                        where(), static_cast<int>(mutation.sequence(s))));
    }
  }
  return Status::ok();
}

}  // namespace sluice::decode
