// libFuzzer target: the drainer's checkpoint as it reads it back at start: the JSON of the
// tidb_binlog.checkpoint table (which a downstream user can edit) and the savepoint TOML file
// (which binlogctl generate_meta writes). Each input is tried as both; what parses must write back
// to text that parses to the same checkpoint.
// fuzz-sources: core/checkpoint/checkpoint.cc core/config/config_document.cc
// fuzz-sources: core/common/status.cc
// fuzz-libs: -lspdlog -lfmt
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/checkpoint/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::checkpoint;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto table = from_table_json(text);
  if (table.is_ok()) {
    if (!table->schema_snapshot.empty()) std::abort();
    auto again = from_table_json(to_table_json(*table));
    if (!again.is_ok() || !(*again == *table)) std::abort();
  }
  auto savepoint = from_savepoint_toml(text, "savepoint");
  if (savepoint.is_ok()) {
    if (savepoint->ts_map) std::abort();  // the file has no ts-map
    auto again = from_savepoint_toml(to_savepoint_toml(*savepoint), "savepoint");
    if (!again.is_ok() || !(*again == *savepoint)) std::abort();
  }
  return 0;
}
