#include "daemons/loadgen/registry_pump_directory.h"

#include <fmt/format.h>

#include <sstream>

namespace sluice::loadgen {

Result<std::shared_ptr<RegistryPumpDirectory>> RegistryPumpDirectory::open(
    const std::filesystem::path& registry_dir, std::chrono::milliseconds refresh) {
  if (!std::filesystem::is_directory(registry_dir / "pumps")) {
    return Status::not_found(
        fmt::format("no pump registry in {} (expected {}/pumps, written by running pumps)",
                    registry_dir.string(), registry_dir.string()));
  }
  SLUICE_ASSIGN_OR_RETURN(auto registry, registry::DirectoryRegistry::open(registry_dir));
  auto directory = std::make_shared<RegistryPumpDirectory>(std::move(registry), refresh);
  SLUICE_ASSIGN_OR_RETURN(auto pumps, directory->read());
  if (pumps.empty()) {
    return Status::not_found(fmt::format("the registry {} lists no pump", registry_dir.string()));
  }
  std::lock_guard lock(directory->mutex_);
  directory->cached_ = std::move(pumps);
  directory->read_at_ = std::chrono::steady_clock::now();
  return directory;
}

Result<std::vector<producer::PumpInfo>> RegistryPumpDirectory::read() const {
  SLUICE_ASSIGN_OR_RETURN(auto nodes, registry_->list(registry::NodeKind::kPump));
  std::vector<producer::PumpInfo> pumps;
  for (const auto& node : nodes)
    pumps.push_back({node.node_id, node.host, node.state});
  return pumps;
}

std::vector<producer::PumpInfo> RegistryPumpDirectory::list() const {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - read_at_ >= refresh_) {
    read_at_ = now;
    if (auto pumps = read(); pumps.is_ok()) cached_ = std::move(pumps).value();
  }
  return cached_;
}

Result<std::vector<producer::PumpInfo>> parse_pump_list(const std::string& text) {
  std::vector<producer::PumpInfo> pumps;
  std::istringstream in(text);
  std::string entry;
  while (std::getline(in, entry, ',')) {
    if (entry.empty()) continue;
    const auto colon = entry.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size() ||
        entry.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      return Status::invalid_argument(
          fmt::format("bad pump address '{}': expected host:port", entry));
    }
    pumps.push_back({entry, entry, std::string(producer::kPumpOnline)});
  }
  if (pumps.empty()) return Status::invalid_argument("the pump list is empty");
  return pumps;
}

}  // namespace sluice::loadgen
