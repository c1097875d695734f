#pragma once
// AbiTable: a decoded table layout in the plugin ABI's shape (sluice_table_t with its column and
// key arrays), built once per layout version and shared by every event of that table. The ABI
// strings point into the layout, which the AbiTable keeps alive. Immutable once built.

#include <sluice/plugin_abi.h>

#include <map>
#include <memory>
#include <vector>

#include "core/decode/table_layout.h"

namespace sluice::drainer {

struct AbiTable {
  std::shared_ptr<const decode::TableLayout> layout;
  std::vector<sluice_column_t> columns;
  std::vector<sluice_key_t> keys;
  sluice_table_t table{};
};

std::shared_ptr<const AbiTable> make_abi_table(std::shared_ptr<const decode::TableLayout> layout);

// Caches AbiTables by layout (layouts are themselves cached per table and schema version, so the
// same layout object comes back for every row of that version). Not thread-safe.
class AbiTableCache {
 public:
  std::shared_ptr<const AbiTable> get(const std::shared_ptr<const decode::TableLayout>& layout);
  void clear() { tables_.clear(); }
  size_t size() const { return tables_.size(); }

 private:
  std::map<const decode::TableLayout*, std::shared_ptr<const AbiTable>> tables_;
};

inline sluice_str_t abi_str(std::string_view text) {
  return sluice_str_t{text.empty() ? nullptr : text.data(), text.size()};
}

}  // namespace sluice::drainer
