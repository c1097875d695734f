#pragma once
// Parsers for the value syntaxes the original's configuration files use.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/common/result.h"

namespace sluice::config {

// A Go duration string: a sequence of decimal numbers, each with an optional fraction and a unit
// ("ns", "us", "µs", "ms", "s", "m", "h"), e.g. "300ms", "1.5h", "2h45m". Negative durations are
// refused: no Sluice setting takes one.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

// A human byte size as go-humanize's ParseBytes reads it: "10 gib", "10GiB", "512 MB", "1024".
// SI units (k, kb, mb, gb, tb, pb) are powers of 1000; IEC units (ki, kib, mib, gib, tib, pib)
// are powers of 1024; case and the space before the unit do not matter.
Result<uint64_t> parse_byte_size(std::string_view text);

}  // namespace sluice::config
