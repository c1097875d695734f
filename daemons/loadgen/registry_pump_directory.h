#pragma once
// RegistryPumpDirectory: the pumps a producer writes to, read from the embedded directory
// registry (<registry-dir>/pumps/*.json, the records pumps keep up to date), as TiDB's pump client
// reads them from PD's etcd. list() returns a snapshot cached for `refresh` so the pump client can
// call it on every binlog; a failed re-read keeps the last good snapshot.
//
// Owns the registry handle. Thread-safe (PumpClient calls list() from its writers and its probe
// thread).

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "core/common/result.h"
#include "core/registry/directory_registry.h"
#include "sdk/producer/pump_directory.h"

namespace sluice::loadgen {

class RegistryPumpDirectory : public producer::PumpDirectory {
 public:
  // Fails when the registry cannot be read or lists no pump at all.
  static Result<std::shared_ptr<RegistryPumpDirectory>> open(
      const std::filesystem::path& registry_dir,
      std::chrono::milliseconds refresh = std::chrono::seconds(1));

  RegistryPumpDirectory(std::unique_ptr<registry::DirectoryRegistry> registry,
                        std::chrono::milliseconds refresh)
      : registry_(std::move(registry)), refresh_(refresh) {}

  std::vector<producer::PumpInfo> list() const override;

 private:
  Result<std::vector<producer::PumpInfo>> read() const;

  std::unique_ptr<registry::DirectoryRegistry> registry_;
  const std::chrono::milliseconds refresh_;
  mutable std::mutex mutex_;
  mutable std::vector<producer::PumpInfo> cached_;
  mutable std::chrono::steady_clock::time_point read_at_{};
};

// "host:port,host:port" -> pumps named by their address, all online. InvalidArgument for an
// empty list or an entry without a port.
Result<std::vector<producer::PumpInfo>> parse_pump_list(const std::string& text);

}  // namespace sluice::loadgen
