// libFuzzer target: old- and new-format rows as they appear in binlog mutations.
// fuzz-sources: core/codec/*.cc core/common/status.cc
// fuzz-sources: core/schema/table_info.cc core/schema/schema_tracker.cc
// fuzz-libs: -lfmt
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/codec/row_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::codec;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)decode_old_row(bytes);
  (void)decode_updated_row(bytes);
  (void)decode_inserted_row(bytes, size % 3);
  auto columns = parse_new_row(bytes);
  if (columns.is_ok()) {
    for (const auto& column : *columns) {
      for (int kind = 0; kind <= static_cast<int>(NewFormatKind::kJson); ++kind) {
        (void)decode_new_format_value(column.bytes, static_cast<NewFormatKind>(kind));
      }
    }
  }
  return 0;
}
