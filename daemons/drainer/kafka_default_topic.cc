#include "daemons/drainer/kafka_default_topic.h"

namespace sluice::drainer {
namespace {

// The kafka sinks' config tables that name no topic, in file order.
template <typename Root, typename Visit>
void for_each_topicless_kafka_sink(Root& root, Visit&& visit) {
  if (!root.is_table() || !root.contains("sink") || !root.at("sink").is_array()) return;
  for (auto& sink : root.at("sink").as_array()) {
    if (!sink.is_table() || !sink.contains("plugin") || !sink.at("plugin").is_string() ||
        sink.at("plugin").as_string().str != "kafka") {
      continue;
    }
    if (sink.contains("config") && sink.at("config").is_table()) {
      auto& config = sink.at("config");
      if (config.contains("topic-name") || config.contains("cluster-id")) continue;
    }
    visit(sink);
  }
}

}  // namespace

bool kafka_sink_needs_cluster_id(const toml::value& root) {
  bool needed = false;
  for_each_topicless_kafka_sink(root, [&](const toml::value&) { needed = true; });
  return needed;
}

int give_kafka_sinks_the_cluster_id(toml::value& root, uint64_t cluster_id) {
  int changed = 0;
  for_each_topicless_kafka_sink(root, [&](toml::value& sink) {
    if (!sink.contains("config") || !sink.at("config").is_table()) {
      sink.as_table()["config"] = toml::value(toml::table{});
    }
    sink.at("config").as_table()["cluster-id"] = static_cast<toml::integer>(cluster_id);
    ++changed;
  });
  return changed;
}

}  // namespace sluice::drainer
