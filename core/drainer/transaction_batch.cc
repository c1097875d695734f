#include "core/drainer/transaction_batch.h"

namespace sluice::drainer {

void TransactionBatch::add(std::unique_ptr<DrainerTransaction> transaction) {
  payload_bytes_ += transaction->payload_bytes;
  transactions_.push_back(std::move(transaction));
}

const sluice_batch_t& TransactionBatch::build_view() {
  abi_.resize(transactions_.size());
  for (size_t i = 0; i < transactions_.size(); ++i) {
    const DrainerTransaction& source = *transactions_[i];
    sluice_transaction_t& out = abi_[i];
    const uint64_t position = out.position;
    const uint32_t flags = out.flags;
    out = sluice_transaction_t{};
    out.struct_size = sizeof(sluice_transaction_t);
    out.commit_ts = source.commit_ts;
    out.start_ts = source.start_ts;
    out.position = position;
    out.flags = flags | (source.ddl ? SLUICE_TXN_DDL : 0u);
    out.schema_version = source.schema_version;
    out.events = source.events.empty() ? nullptr : source.events.data();
    out.event_count = source.events.size();
    out.event_size = sizeof(sluice_event_t);
  }
  batch_ = sluice_batch_t{};
  batch_.struct_size = sizeof(sluice_batch_t);
  batch_.transactions = abi_.empty() ? nullptr : abi_.data();
  batch_.transaction_count = abi_.size();
  batch_.transaction_size = sizeof(sluice_transaction_t);
  return batch_;
}

size_t TransactionBatch::apply_keep_mask(const std::vector<uint8_t>& keep) {
  size_t at = 0;
  size_t dropped = 0;
  std::vector<std::unique_ptr<DrainerTransaction>> kept;
  kept.reserve(transactions_.size());
  for (auto& transaction : transactions_) {
    auto& events = transaction->events;
    size_t write = 0;
    for (size_t read = 0; read < events.size(); ++read, ++at) {
      if (at >= keep.size() || keep[at] != 0) events[write++] = events[read];
    }
    events.resize(write);
    if (events.empty()) {
      payload_bytes_ -= transaction->payload_bytes;
      ++dropped;
    } else {
      kept.push_back(std::move(transaction));
    }
  }
  transactions_ = std::move(kept);
  abi_.clear();
  build_view();
  return dropped;
}

void TransactionBatch::stamp(uint64_t first_position, uint32_t flags) {
  build_view();
  for (size_t i = 0; i < abi_.size(); ++i) {
    abi_[i].position = first_position + i;
    abi_[i].flags |= flags;
  }
}

size_t TransactionBatch::event_count() const {
  size_t count = 0;
  for (const auto& transaction : transactions_)
    count += transaction->events.size();
  return count;
}

}  // namespace sluice::drainer
