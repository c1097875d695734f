#pragma once
// PartAssembler: puts together transactions the Kafka sink split over several messages
// (`sluice-part: i/n`, `sluice-commit-ts`, docs/kafka.md) and passes whole ones through. A part
// seen twice (an at-least-once repeat) replaces the first copy. When a later transaction is
// complete while an earlier one still misses parts, the earlier one can no longer be completed
// in order: add() reports it (kCorruption, naming the commit_ts and the offset of its first
// part). Value type; one thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "daemons/arbiter/kafka_source.h"

namespace sluice::arbiter {

struct AssembledTransaction {
  int64_t first_offset = 0;
  // The messages' values in part order; one value for an unsplit transaction. The commit_ts is
  // inside each value.
  std::vector<std::string> values;
  // From the headers, for split transactions; nullopt for one message (read from the value).
  std::optional<int64_t> commit_ts;
};

class PartAssembler {
 public:
  // A transaction that `record` completes, or nullopt while parts are missing.
  Result<std::optional<AssembledTransaction>> add(KafkaRecord record);
  // Transactions waiting for parts.
  size_t waiting() const { return pending_.size(); }
  // Forgets incomplete transactions at or below `commit_ts` (applied already).
  void drop_through(int64_t commit_ts);
  // kCorruption when a transaction below `commit_ts` still misses parts (add() checks this for
  // split transactions; the caller checks it for a whole one once it knows its commit_ts).
  Status check_nothing_pending_before(int64_t commit_ts) const;

 private:
  struct Pending {
    int count = 0;
    int64_t first_offset = 0;
    std::map<int, std::string> parts;  // index -> value
  };
  std::map<int64_t, Pending> pending_;  // by commit_ts
};

}  // namespace sluice::arbiter
