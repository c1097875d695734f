#pragma once
// Everything a sink sees of a DrainerTransaction (its ABI events, with each event's table layout
// and values) as text, for fuzz targets that compare two decodings. Reading every byte of every
// string also lets AddressSanitizer check that the views point at live memory. Pure function.

#include <sluice/plugin_abi.h>

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <string_view>

#include "core/drainer/drainer_transaction.h"

namespace sluice::fuzz {

// Quoted, with bytes outside printable ASCII (and the quote and backslash) as \xNN.
inline void append_str(std::string& out, sluice_str_t text) {
  out.push_back('"');
  for (size_t i = 0; i < text.size; ++i) {
    const auto byte = static_cast<unsigned char>(text.data[i]);
    if (byte < 0x20 || byte > 0x7E || byte == '"' || byte == '\\') {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
  out.push_back('"');
}

inline void append_value(std::string& out, const sluice_value_t& value) {
  switch (value.kind) {
    case SLUICE_VALUE_NULL:
      out += "NULL";
      return;
    case SLUICE_VALUE_INT64:
      out += fmt::format("i{}", value.as.i64);
      return;
    case SLUICE_VALUE_UINT64:
      out += fmt::format("u{}", value.as.u64);
      return;
    case SLUICE_VALUE_DOUBLE: {
      uint64_t bits = 0;  // bit for bit: NaN is not equal to itself
      std::memcpy(&bits, &value.as.f64, sizeof(bits));
      out += fmt::format("d{:x}", bits);
      return;
    }
    case SLUICE_VALUE_BYTES:
      out += "b";
      append_str(out, value.as.bytes);
      return;
    default:
      out += fmt::format("?{}", value.kind);
  }
}

inline void append_table(std::string& out, const sluice_table_t& table) {
  append_str(out, table.schema_name);
  out += ".";
  append_str(out, table.table_name);
  out += "(";
  for (size_t i = 0; i < table.column_count; ++i) {
    const sluice_column_t& column = table.columns[i];
    append_str(out, column.name);
    out += fmt::format(" {} {:x} {} {} ", column.mysql_type, column.flags, column.length,
                       column.decimals);
    append_str(out, column.type_name);
    append_str(out, column.charset);
    append_str(out, column.elements_text);
    out += ",";
  }
  out += ")keys(";
  for (size_t i = 0; i < table.key_count; ++i) {
    const sluice_key_t& key = table.keys[i];
    append_str(out, key.name);
    out += fmt::format(" {:x}:", key.flags);
    for (size_t c = 0; c < key.column_count; ++c)
      out += fmt::format("{},", key.column_indexes[c]);
  }
  out += ")";
}

// The events of `transaction` (not its commit_ts or sizes).
inline std::string transaction_text(const drainer::DrainerTransaction& transaction) {
  std::string out;
  for (const sluice_event_t& event : transaction.events) {
    out += fmt::format("{} ", event.type);
    append_str(out, event.schema_name);
    append_str(out, event.table_name);
    append_str(out, event.ddl_query);
    if (event.table != nullptr) {
      append_table(out, *event.table);
      for (const sluice_value_t* values : {event.old_values, event.new_values}) {
        out += " [";
        if (values != nullptr) {
          for (size_t i = 0; i < event.table->column_count; ++i) {
            append_value(out, values[i]);
            out += ",";
          }
        }
        out += "]";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace sluice::fuzz
