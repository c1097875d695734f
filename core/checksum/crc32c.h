#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of the original's binlog
// files, relay log and pump value log. Uses the SSE4.2 crc32 instruction when the CPU has it and
// Boost.CRC otherwise. Thread-safe: pure functions.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::checksum {

// CRC-32C of `data`. crc32c("123456789") == 0xE3069283 (the standard check value).
uint32_t crc32c(std::span<const std::byte> data);
uint32_t crc32c(std::string_view data);

// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a + b).
uint32_t crc32c_extend(uint32_t crc, std::span<const std::byte> data);

// True when the hardware instruction is in use (reported by benchmarks and /status).
bool crc32c_uses_hardware();

namespace detail {
// The table-driven fallback, exposed so tests check it on machines that have SSE4.2.
uint32_t crc32c_extend_portable(uint32_t crc, std::span<const std::byte> data);
}  // namespace detail

}  // namespace sluice::checksum
