#include "sdk/producer/pump_directory.h"

#include <fmt/format.h>

namespace sluice::producer {

std::vector<PumpInfo> StaticPumpDirectory::list() const {
  std::lock_guard lock(mutex_);
  return pumps_;
}

Status StaticPumpDirectory::set_state(std::string_view node_id, std::string state) {
  std::lock_guard lock(mutex_);
  for (auto& pump : pumps_) {
    if (pump.node_id == node_id) {
      pump.state = std::move(state);
      return Status::ok();
    }
  }
  return Status::not_found(fmt::format("no pump with node id '{}'", node_id));
}

}  // namespace sluice::producer
