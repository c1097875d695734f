#pragma once
// free_tcp_port(): a TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read the port
// back, close). Another process may still take it before the caller binds it; fixtures that start
// servers retry with a fresh port when the server reports "address already in use".
// Thread-safety: safe to call from any thread.

#include <cstdint>

namespace sluice::testing {

// Throws std::runtime_error when no socket can be bound.
std::uint16_t free_tcp_port();

}  // namespace sluice::testing
