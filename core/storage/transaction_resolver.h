#pragma once
// TransactionStatusResolver: tells the store what became of a transaction whose P-binlog was
// never matched by a Commit or Rollback (the original asks TiKV with the prewrite_key). The store
// calls it from its resolver thread (or the caller of resolve_unmatched()) without holding its
// lock; implementations must be thread-safe and may block briefly.

#include <cstdint>
#include <string_view>

#include "core/common/result.h"

namespace sluice::storage {

struct TransactionStatus {
  enum class Kind {
    kInProgress,  // still running (lock alive): ask again later
    kCommitted,   // committed at commit_ts: the store writes the joined Commit itself
    kRolledBack,  // rolled back or gone: the store drops the P-binlog
  };
  Kind kind = Kind::kInProgress;
  int64_t commit_ts = 0;
};

class TransactionStatusResolver {
 public:
  virtual ~TransactionStatusResolver() = default;
  // An error means "unknown now"; the store asks again on its next pass.
  virtual Result<TransactionStatus> resolve(int64_t start_ts, std::string_view prewrite_key) = 0;
};

// For producers that never send Commit/Rollback for some transactions and offer no way to ask:
// every timed-out transaction counts as rolled back (the store logs an error and counts it).
class RollbackResolver final : public TransactionStatusResolver {
 public:
  Result<TransactionStatus> resolve(int64_t, std::string_view) override {
    return TransactionStatus{TransactionStatus::Kind::kRolledBack, 0};
  }
};

}  // namespace sluice::storage
