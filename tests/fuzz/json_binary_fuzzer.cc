// libFuzzer target: binary JSON from the wire.
// fuzz-sources: core/codec/*.cc core/common/status.cc
// fuzz-sources: core/schema/table_info.cc core/schema/schema_tracker.cc
// fuzz-libs: -lfmt
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/codec/json_binary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto text = sluice::codec::json_binary_to_text(bytes);
  if (text.is_ok()) {
    // Whatever decodes is valid JSON text that encodes again.
    auto binary = sluice::codec::json_text_to_binary(*text);
    (void)binary;
  }
  return 0;
}
