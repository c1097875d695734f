#include "sdk/producer/local_tso.h"

#include <chrono>

#include "core/tso/tso.h"

namespace sluice::producer {

Result<int64_t> LocalTso::next() {
  const int64_t now = tso::from_time(std::chrono::system_clock::now());  // logical 0
  std::lock_guard lock(mutex_);
  // Within one millisecond the logical part counts up; when it runs out (2^18 per ms) or the clock
  // goes back, the physical part moves ahead of the clock, as PD does.
  last_ = now > last_ ? now : last_ + 1;
  return last_;
}

}  // namespace sluice::producer
