#include "daemons/arbiter/part_assembler.h"

#include <fmt/format.h>

namespace sluice::arbiter {

Status PartAssembler::check_nothing_pending_before(int64_t commit_ts) const {
  if (pending_.empty() || pending_.begin()->first >= commit_ts) return Status::ok();
  const auto& [ts, pending] = *pending_.begin();
  return Status::corruption(fmt::format(
      "transaction commit_ts={} has {} of its {} parts (the first at offset {}), but commit_ts={} "
      "after it is complete: parts are missing from the topic",
      ts, pending.parts.size(), pending.count, pending.first_offset, commit_ts));
}

void PartAssembler::drop_through(int64_t commit_ts) {
  pending_.erase(pending_.begin(), pending_.upper_bound(commit_ts));
}

Result<std::optional<AssembledTransaction>> PartAssembler::add(KafkaRecord record) {
  if (!record.part) {
    AssembledTransaction whole;
    whole.first_offset = record.offset;
    whole.values.push_back(std::move(record.value));
    return std::optional<AssembledTransaction>(std::move(whole));
  }
  const PartHeader& part = *record.part;
  auto [entry, inserted] = pending_.try_emplace(part.commit_ts);
  Pending& pending = entry->second;
  if (inserted) {
    pending.count = part.count;
    pending.first_offset = record.offset;
  } else if (pending.count != part.count) {
    return Status::corruption(fmt::format(
        "offset {}: part {}/{} of commit_ts={} disagrees with an earlier part's count {}",
        record.offset, part.index, part.count, part.commit_ts, pending.count));
  }
  pending.parts[part.index] = std::move(record.value);
  if (static_cast<int>(pending.parts.size()) < pending.count) {
    return std::optional<AssembledTransaction>();
  }
  AssembledTransaction whole;
  whole.first_offset = pending.first_offset;
  whole.commit_ts = part.commit_ts;
  for (auto& [index, value] : pending.parts)
    whole.values.push_back(std::move(value));
  pending_.erase(entry);
  SLUICE_RETURN_IF_ERROR(check_nothing_pending_before(part.commit_ts));
  return std::optional<AssembledTransaction>(std::move(whole));
}

}  // namespace sluice::arbiter
