#include "core/registry/node_identity.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <random>

#include "core/common/atomic_file.h"
#include "core/common/file_lock.h"
#include "core/registry/directory_registry.h"

namespace sluice::registry {

namespace {

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// "host:port" -> port text; the whole string when there is no colon.
std::string port_of(const std::string& address) {
  const auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(colon + 1);
}

}  // namespace

Result<uint64_t> load_or_create_cluster_id(const std::filesystem::path& registry_dir) {
  std::error_code error;
  std::filesystem::create_directories(registry_dir, error);
  if (error) {
    return Status::io_error(
        fmt::format("cannot create registry dir {}: {}", registry_dir.string(), error.message()));
  }
  SLUICE_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(registry_dir / "cluster_id.lock"));
  const auto path = registry_dir / "cluster_id";
  auto existing = read_file(path);
  if (existing.is_ok()) {
    const std::string text = trim(*existing);
    uint64_t id = 0;
    const auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (parse_error != std::errc() || end != text.data() + text.size() || id == 0) {
      return Status::corruption(
          fmt::format("{} holds '{}', not a cluster id (a positive integer)", path.string(), text));
    }
    return id;
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  std::random_device device;
  std::mt19937_64 generator((uint64_t{device()} << 32) ^ device());
  uint64_t id = 0;
  while (id == 0)
    id = generator() >> 1;  // positive as int64 too
  SLUICE_RETURN_IF_ERROR(write_file_atomically(path, std::to_string(id) + "\n"));
  spdlog::info("generated cluster id {} in {}", id, path.string());
  return id;
}

Result<std::string> load_or_create_node_id(const std::filesystem::path& data_dir,
                                           const std::string& configured,
                                           const std::string& advertise_addr) {
  const auto path = data_dir / ".node";
  auto existing = read_file(path);
  if (existing.is_ok() && !trim(*existing).empty()) return trim(*existing);
  if (!existing.is_ok() && existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  std::string id = configured;
  if (id.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) != 0) return Status::io_error("gethostname failed");
    id = fmt::format("{}:{}", host, port_of(advertise_addr));
  }
  SLUICE_RETURN_IF_ERROR(check_node_id(id));
  SLUICE_RETURN_IF_ERROR(write_file_atomically(path, id));
  return id;
}

}  // namespace sluice::registry
