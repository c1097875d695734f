// libFuzzer target: the datum codec must reject or accept any bytes without reading out of bounds,
// and whatever it accepts must re-encode and decode to the same values.
// fuzz-sources: core/codec/*.cc core/common/status.cc
// fuzz-sources: core/schema/table_info.cc core/schema/schema_tracker.cc
// fuzz-libs: -lfmt
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/codec/datum_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::codec;
  auto datums = decode_datums(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!datums.is_ok()) return 0;
  for (const Datum& datum : *datums) {
    std::string encoded;
    if (!encode_value(encoded, datum).is_ok()) continue;
    ByteReader reader(encoded);
    auto again = decode_datum(reader);
    if (!again.is_ok()) std::abort();
    // Decimals re-encode at their declared precision; floats may be NaN (never equal).
    if (datum.kind != DatumKind::kFloat64 && !(*again == datum)) std::abort();
  }
  return 0;
}
