// libFuzzer target: MySQL binary decimals; the first two bytes choose precision and scale.
// fuzz-sources: core/codec/*.cc core/common/status.cc
// fuzz-sources: core/schema/table_info.cc core/schema/schema_tracker.cc
// fuzz-libs: -lfmt
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/codec/mysql_decimal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::codec;
  if (size < 2) return 0;
  const int precision = data[0] % 70;
  const int scale = data[1] % 35;
  ByteReader reader(std::string_view(reinterpret_cast<const char*>(data + 2), size - 2));
  auto text = read_decimal_binary(reader, precision, scale);
  if (!text.is_ok()) return 0;
  auto binary = decimal_text_to_binary(*text, precision, scale);
  if (!binary.is_ok()) std::abort();  // what decodes must encode at the same precision
  ByteReader again(*binary);
  auto back = read_decimal_binary(again, precision, scale);
  if (!back.is_ok() || *back != *text) std::abort();
  return 0;
}
