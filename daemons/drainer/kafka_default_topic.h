#pragma once
// The original's default Kafka topic is "<cluster-id>_obinlog"; the kafka sink builds it from a
// `cluster-id` key in its config. An original drainer.toml (db-type = "kafka" without
// topic-name) never writes that key, so the drainer supplies its own cluster id to every kafka
// sink that has neither `topic-name` nor `cluster-id`. Functions on the parsed document; call
// from the daemon's main thread before the plugins are configured.

#include <cstdint>

#include <toml.hpp>

namespace sluice::drainer {

// Whether some [[sink]] with plugin = "kafka" has neither topic-name nor cluster-id.
bool kafka_sink_needs_cluster_id(const toml::value& root);

// Sets `cluster-id` in the config of each such sink. Returns how many it changed.
int give_kafka_sinks_the_cluster_id(toml::value& root, uint64_t cluster_id);

}  // namespace sluice::drainer
