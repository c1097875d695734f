#pragma once
// LocalTso: an in-process timestamp source (tso::TsoSource): physical milliseconds << 18 | logical,
// strictly increasing within the process even when the wall clock stands still or steps back. For
// one producer process without a shared TSO; processes that must agree use tso::EmbeddedTso (one
// host) or PD. Thread-safe.

#include <cstdint>
#include <mutex>

#include "core/tso/tso_source.h"

namespace sluice::producer {

// Producers take timestamps from any tso::TsoSource.
using TsoSource = tso::TsoSource;

class LocalTso : public tso::TsoSource {
 public:
  Result<int64_t> next() override;

 private:
  std::mutex mutex_;
  int64_t last_ = 0;
};

}  // namespace sluice::producer
