#pragma once
// How one transaction becomes Kafka messages (see KafkaSinkConfig::partition_by): which events go
// in each message, to which topic, with which key. A plan holds indexes into the transaction's
// events, so it is valid only while the transaction is (during the write call). Pure functions;
// thread-safe.

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/kafka/kafka_sink_config.h"

namespace sluice::kafka {

struct PlannedMessage {
  std::string topic;
  bool has_key = false;
  std::string key;
  // Indexes of the transaction's events in this message, in order; empty with `whole` set.
  std::vector<size_t> events;
  bool whole = false;  // the transaction unchanged (no sub-transaction needed)
};

// The messages of `transaction`, in the order they are produced. Empty for a transaction with
// no events (nothing is sent; it still advances the watermark).
std::vector<PlannedMessage> plan_messages(const KafkaSinkConfig& config,
                                          const sdk::Transaction& transaction);

// The message key of a row event in partition-by = "primary-key" mode:
// "<schema>.<table>" then, for each column of the first key (primary, else unique), "/" and the
// value (integers in decimal, doubles in shortest form, bytes as they are, NULL as "\N"), taken
// from the new row (insert, update) or the old row (delete). A table without keys: the table key.
std::string row_key(const sdk::Event& event);

}  // namespace sluice::kafka
