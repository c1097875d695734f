#pragma once
// PumpDirectory: where a pump client learns which pumps exist, their addresses and their states
// (TiDB's client reads them from PD's etcd under /tidb-binlog/v1/pumps). StaticPumpDirectory is a
// fixed list whose states can be changed at run time; a registry-backed directory implements the
// same interface. Implementations must be thread-safe: PumpClient calls list() from the writing
// threads and from its probe thread, on every P-binlog, so list() should return a cached snapshot.

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/status.h"

namespace sluice::producer {

// The node states of the original (pkg/node): only "online" pumps take P-binlogs.
inline constexpr std::string_view kPumpOnline = "online";

struct PumpInfo {
  std::string node_id;
  std::string address;  // host:port of the pump's gRPC endpoint
  std::string state;    // online, pausing, paused, closing, offline

  bool operator==(const PumpInfo&) const = default;
};

class PumpDirectory {
 public:
  virtual ~PumpDirectory() = default;
  // Every known pump, in a stable order (the order selectors count in).
  virtual std::vector<PumpInfo> list() const = 0;
};

class StaticPumpDirectory : public PumpDirectory {
 public:
  explicit StaticPumpDirectory(std::vector<PumpInfo> pumps) : pumps_(std::move(pumps)) {}

  std::vector<PumpInfo> list() const override;

  // Changes the state of a listed pump; NotFound for an unknown node id.
  Status set_state(std::string_view node_id, std::string state);

 private:
  mutable std::mutex mutex_;
  std::vector<PumpInfo> pumps_;
};

}  // namespace sluice::producer
