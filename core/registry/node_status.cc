#include "core/registry/node_status.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sluice::registry {

std::string_view node_kind_dir(NodeKind kind) {
  return kind == NodeKind::kPump ? "pumps" : "drainers";
}

bool is_valid_state(std::string_view state) {
  return state == kOnline || state == kPausing || state == kPaused || state == kClosing ||
         state == kOffline;
}

std::string to_json(const NodeStatus& status) {
  nlohmann::json label = nlohmann::json::parse(status.label_json, nullptr, false);
  if (label.is_discarded()) label = nullptr;
  // Key order as the original's Go struct marshals it.
  nlohmann::ordered_json json;
  json["nodeId"] = status.node_id;
  json["host"] = status.host;
  json["state"] = status.state;
  json["isAlive"] = status.is_alive;
  json["score"] = status.score;
  json["label"] = label;
  json["maxCommitTS"] = status.max_commit_ts;
  json["updateTS"] = status.update_ts;
  return json.dump();
}

Result<NodeStatus> parse_node_status(std::string_view json_text) {
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::corruption("node status: not a JSON object");
  }
  NodeStatus status;
  auto string_field = [&](const char* key, std::string& out) -> Status {
    const auto it = json.find(key);
    if (it == json.end() || !it->is_string()) {
      return Status::corruption(fmt::format("node status: '{}' missing or not a string", key));
    }
    out = it->get<std::string>();
    return Status::ok();
  };
  SLUICE_RETURN_IF_ERROR(string_field("nodeId", status.node_id));
  SLUICE_RETURN_IF_ERROR(string_field("host", status.host));
  SLUICE_RETURN_IF_ERROR(string_field("state", status.state));
  if (!is_valid_state(status.state)) {
    return Status::corruption(
        fmt::format("node status of {}: unknown state '{}'", status.node_id, status.state));
  }
  status.is_alive = json.value("isAlive", false);
  status.score = json.value("score", int64_t{0});
  status.label_json = json.contains("label") ? json["label"].dump() : "null";
  status.max_commit_ts = json.value("maxCommitTS", int64_t{0});
  status.update_ts = json.value("updateTS", int64_t{0});
  return status;
}

}  // namespace sluice::registry
