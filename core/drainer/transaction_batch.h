#pragma once
// TransactionBatch: consecutive transactions in commit_ts order, handed to filters and then to
// every sink as one sluice_batch_t. A DDL transaction always travels alone (a barrier: see
// SinkRunner). The batch owns its transactions; once sealed it is shared read-only across the
// sink threads (shared_ptr<const TransactionBatch>).

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/drainer/drainer_transaction.h"

namespace sluice::drainer {

class TransactionBatch {
 public:
  void add(std::unique_ptr<DrainerTransaction> transaction);

  // Builds the ABI view over the transactions as they are now (call again after a change).
  const sluice_batch_t& build_view();
  const sluice_batch_t& view() const { return batch_; }

  // Drops the events whose byte in `keep` is 0 (one byte per event, in batch order) and then the
  // transactions left without events. Returns how many transactions were dropped whole.
  size_t apply_keep_mask(const std::vector<uint8_t>& keep);

  // Numbers the transactions first_position, first_position + 1, ... and sets `flags` on each.
  void stamp(uint64_t first_position, uint32_t flags);

  bool empty() const { return transactions_.empty(); }
  size_t size() const { return transactions_.size(); }
  bool is_ddl() const { return !transactions_.empty() && transactions_.front()->ddl; }
  int64_t last_commit_ts() const {
    return transactions_.empty() ? 0 : transactions_.back()->commit_ts;
  }
  size_t event_count() const;
  size_t payload_bytes() const { return payload_bytes_; }
  const std::vector<std::unique_ptr<DrainerTransaction>>& transactions() const {
    return transactions_;
  }

 private:
  std::vector<std::unique_ptr<DrainerTransaction>> transactions_;
  std::vector<sluice_transaction_t> abi_;
  sluice_batch_t batch_{};
  size_t payload_bytes_ = 0;
};

}  // namespace sluice::drainer
