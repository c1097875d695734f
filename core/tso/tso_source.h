#pragma once
// TsoSource: where timestamps come from. Implementations: EmbeddedTso (one host, shared by its
// processes), and later PD's Tso RPC and Sluice's own TSO service. Thread-safe.

#include <cstdint>

#include "core/common/result.h"

namespace sluice::tso {

class TsoSource {
 public:
  virtual ~TsoSource() = default;
  // A timestamp strictly greater than every one this source issued before, in any process.
  virtual Result<int64_t> next() = 0;
};

}  // namespace sluice::tso
