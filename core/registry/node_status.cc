#include "core/registry/node_status.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/common/json_reader.h"

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
  // replace: a node id or host with invalid UTF-8 (from a command line) must not throw.
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<NodeStatus> parse_node_status(std::string_view json_text) {
  namespace jr = json_reader;
  SLUICE_ASSIGN_OR_RETURN(const jr::Json json, jr::parse_object(json_text, "node status"));
  NodeStatus status;
  SLUICE_ASSIGN_OR_RETURN(status.node_id, jr::read_string(json, "nodeId", "node status"));
  const std::string where = fmt::format("node status of {}", status.node_id);
  SLUICE_ASSIGN_OR_RETURN(status.host, jr::read_string(json, "host", where));
  SLUICE_ASSIGN_OR_RETURN(status.state, jr::read_string(json, "state", where));
  if (!is_valid_state(status.state)) {
    return Status::corruption(fmt::format("{}: unknown state '{}'", where, status.state));
  }
  SLUICE_ASSIGN_OR_RETURN(status.is_alive, jr::read_bool_or(json, "isAlive", where, false));
  SLUICE_ASSIGN_OR_RETURN(status.score, jr::read_int64_or(json, "score", where, 0));
  SLUICE_ASSIGN_OR_RETURN(const jr::Json* label, jr::find_field(json, "label", where));
  // The parse bounded the nesting, so printing the label back cannot recurse too deep.
  status.label_json = label != nullptr ? label->dump() : "null";
  SLUICE_ASSIGN_OR_RETURN(status.max_commit_ts, jr::read_int64_or(json, "maxCommitTS", where, 0));
  SLUICE_ASSIGN_OR_RETURN(status.update_ts, jr::read_int64_or(json, "updateTS", where, 0));
  return status;
}

}  // namespace sluice::registry
