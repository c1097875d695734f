#pragma once
// Addresses as daemons configure them ("host:port", "[::1]:8250"): parsing, the default status
// address beside a gRPC address, and the checks every daemon makes of its listen settings.
// Pure functions.

#include <string>
#include <utility>

#include "core/common/result.h"

namespace sluice::net {

// Splits "host:port"; the host may be empty ("" means all interfaces) or a bracketed IPv6.
Result<std::pair<std::string, int>> split_host_port(const std::string& address);

// The default HTTP status address of a daemon listening for gRPC on `grpc_address`: the same
// host, the next port (port 0 stays 0: any free port). Returns "" when the address is malformed.
std::string status_address_beside(const std::string& grpc_address);

// The address to register for a daemon advertising `advertised`: with port 0 there (any free
// port), the port actually bound; otherwise `advertised` as it is.
std::string advertised_with_bound_port(const std::string& advertised, int bound_port);

// `addr` and `status_addr` (when not empty) parse; `advertised` parses and is an address other
// hosts can reach (not empty, not a wildcard). Errors name the key.
Status validate_node_addresses(const std::string& addr, const std::string& advertised,
                               const std::string& status_addr);

}  // namespace sluice::net
