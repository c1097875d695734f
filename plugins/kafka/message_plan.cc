#include "plugins/kafka/message_plan.h"

#include <charconv>
#include <map>

namespace sluice::kafka {
namespace {

using sdk::Event;
using sdk::EventType;
using sdk::Transaction;

std::string table_key(const Event& event) {
  std::string key(event.schema_name());
  key.push_back('.');
  key.append(event.table_name());
  return key;
}

template <typename Number>
void append_number(std::string& out, Number number) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), number);
  out.append(buffer, result.ptr);
}

// Splits `events` into chunks of at most `limit` (0: no limit) messages to `topic`.
void add_chunks(std::vector<PlannedMessage>& out, const KafkaSinkConfig& config, std::string topic,
                bool has_key, const std::string& key, const std::vector<size_t>& events,
                bool whole) {
  const size_t limit = static_cast<size_t>(config.max_events_per_message);
  if (limit == 0 || events.size() <= limit) {
    out.push_back(PlannedMessage{std::move(topic), has_key, key,
                                 whole ? std::vector<size_t>{} : events, whole});
    return;
  }
  for (size_t first = 0; first < events.size(); first += limit) {
    const size_t last = std::min(events.size(), first + limit);
    out.push_back(PlannedMessage{topic, has_key, key,
                                 std::vector<size_t>(events.begin() + static_cast<long>(first),
                                                     events.begin() + static_cast<long>(last)),
                                 false});
  }
}

}  // namespace

std::string row_key(const Event& event) {
  std::string key = table_key(event);
  if (!event.has_table()) return key;
  const auto keys = event.table().keys();
  if (keys.empty()) return key;
  const sdk::Row row = event.type() == EventType::kDelete ? event.old_values() : event.new_values();
  if (!row.present()) return key;
  for (uint32_t index : keys[0].column_indexes()) {
    key.push_back('/');
    if (index >= row.size()) continue;
    const sdk::Value value = row[index];
    switch (value.kind()) {
      case SLUICE_VALUE_INT64:
        append_number(key, value.as_int64());
        break;
      case SLUICE_VALUE_UINT64:
        append_number(key, value.as_uint64());
        break;
      case SLUICE_VALUE_DOUBLE:
        append_number(key, value.as_double());
        break;
      case SLUICE_VALUE_BYTES:
        key.append(value.as_bytes());
        break;
      default:
        key.append("\\N");
    }
  }
  return key;
}

std::vector<PlannedMessage> plan_messages(const KafkaSinkConfig& config,
                                          const Transaction& transaction) {
  std::vector<PlannedMessage> out;
  const auto events = transaction.events();
  if (events.empty()) return out;
  std::vector<size_t> all(events.size());
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  switch (config.partition_by) {
    case PartitionBy::kNone:
      add_chunks(out, config, config.topic, false, {}, all, true);
      break;
    case PartitionBy::kTable: {
      // Tables in the order they first appear; each table's events in order.
      std::vector<std::string> order;
      std::map<std::string, std::vector<size_t>, std::less<>> by_table;
      for (size_t i = 0; i < events.size(); ++i) {
        std::string key = table_key(events[i]);
        auto [it, inserted] = by_table.try_emplace(key);
        if (inserted) order.push_back(key);
        it->second.push_back(i);
      }
      for (const std::string& key : order) {
        const std::vector<size_t>& indexes = by_table[key];
        const Event first = events[indexes.front()];
        add_chunks(out, config, topic_for(config, first.schema_name(), first.table_name()), true,
                   key, indexes, order.size() == 1);
      }
      break;
    }
    case PartitionBy::kPrimaryKey:
      for (size_t i = 0; i < events.size(); ++i) {
        const Event event = events[i];
        out.push_back(
            PlannedMessage{topic_for(config, event.schema_name(), event.table_name()),
                           true,
                           event.type() == EventType::kDdl ? table_key(event) : row_key(event),
                           {i},
                           events.size() == 1});
        if (out.back().whole) out.back().events.clear();
      }
      break;
  }
  return out;
}

}  // namespace sluice::kafka
