#include "core/net/host_port.h"

#include <fmt/format.h>

#include <charconv>

namespace sluice::net {

Result<std::pair<std::string, int>> split_host_port(const std::string& address) {
  std::string host;
  std::string port_text;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return Status::invalid_argument(fmt::format("'{}' is not host:port", address));
    }
    host = address.substr(1, close - 1);
    port_text = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
      return Status::invalid_argument(fmt::format("'{}' is not host:port", address));
    }
    host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
  }
  int port = -1;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    return Status::invalid_argument(fmt::format("'{}': '{}' is not a port", address, port_text));
  }
  return std::make_pair(host, port);
}

std::string status_address_beside(const std::string& grpc_address) {
  auto split = split_host_port(grpc_address);
  if (!split.is_ok()) return std::string();
  const int port = split->second == 0 ? 0 : split->second + 1;
  const std::string& host = split->first;
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string advertised_with_bound_port(const std::string& advertised, int bound_port) {
  auto split = split_host_port(advertised);
  if (bound_port == 0 || !split.is_ok() || split->second != 0) return advertised;
  return fmt::format("{}:{}", split->first, bound_port);
}

Status validate_node_addresses(const std::string& addr, const std::string& advertised,
                               const std::string& status_addr) {
  SLUICE_RETURN_IF_ERROR(split_host_port(addr).status().with_context("addr"));
  auto split = split_host_port(advertised);
  if (!split.is_ok()) return split.status().with_context("advertise-addr");
  if (split->first.empty() || split->first == "0.0.0.0" || split->first == "::") {
    return Status::invalid_argument(
        fmt::format("advertise-addr '{}' must be an address other hosts can reach, not a wildcard "
                    "(set advertise-addr when addr listens on 0.0.0.0)",
                    advertised));
  }
  if (!status_addr.empty()) {
    SLUICE_RETURN_IF_ERROR(split_host_port(status_addr).status().with_context("status-addr"));
  }
  return Status::ok();
}

}  // namespace sluice::net
