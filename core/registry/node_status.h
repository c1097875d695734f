#pragma once
// NodeStatus: a pump's or drainer's record in the registry, in the original's JSON shape
// (keys nodeId, host, state, isAlive, score, label, maxCommitTS, updateTS), so binlogctl and
// TiDB's pump client of the original read Sluice's records and the other way round.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::registry {

enum class NodeKind { kPump, kDrainer };
std::string_view node_kind_dir(NodeKind kind);  // "pumps" / "drainers" (the original's key part)

// The original's states.
inline constexpr std::string_view kOnline = "online";
inline constexpr std::string_view kPausing = "pausing";
inline constexpr std::string_view kPaused = "paused";
inline constexpr std::string_view kClosing = "closing";
inline constexpr std::string_view kOffline = "offline";
bool is_valid_state(std::string_view state);

struct NodeStatus {
  std::string node_id;
  std::string host;  // advertise address "ip:port"
  std::string state = std::string(kOnline);
  bool is_alive = true;
  int64_t score = 0;
  std::string label_json = "null";  // {"labels": {...}} or null, kept verbatim
  int64_t max_commit_ts = 0;        // pump: storage max commit ts; drainer: its checkpoint
  int64_t update_ts = 0;            // TSO of the last heartbeat

  bool operator==(const NodeStatus&) const = default;
};

std::string to_json(const NodeStatus& status);
Result<NodeStatus> parse_node_status(std::string_view json_text);

}  // namespace sluice::registry
