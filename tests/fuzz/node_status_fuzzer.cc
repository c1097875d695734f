// libFuzzer target: a pump's or drainer's record as the registry (etcd or the directory registry)
// hands it over: any node, or the original's binlogctl, may have written it. What parses must
// write back to JSON that parses to the same record.
// fuzz-sources: core/registry/node_status.cc core/common/status.cc
// fuzz-libs: -lfmt
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/registry/node_status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto status = sluice::registry::parse_node_status(text);
  if (!status.is_ok()) return 0;
  if (!sluice::registry::is_valid_state(status->state)) std::abort();
  auto again = sluice::registry::parse_node_status(sluice::registry::to_json(*status));
  if (!again.is_ok() || !(*again == *status)) std::abort();
  return 0;
}
