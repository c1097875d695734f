#include "core/checksum/crc32c.h"

#include <boost/crc.hpp>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sluice::checksum {
namespace {

// Castagnoli polynomial, reflected input and output, initial value and final XOR all ones.
using BoostCrc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

uint32_t reverse_bits(uint32_t value) {
  uint32_t reversed = 0;
  for (int bit = 0; bit < 32; ++bit) {
    reversed = (reversed << 1) | (value & 1u);
    value >>= 1;
  }
  return reversed;
}

uint32_t extend_portable(uint32_t crc, const std::byte* data, size_t size) {
  // To resume, the engine starts from the running register (the CRC before its final XOR).
  // crc_optimal's constructor takes the remainder in unreflected order and reflects it itself,
  // so the register is handed over bit-reversed.
  BoostCrc32c engine(reverse_bits(crc ^ 0xFFFFFFFFu));
  engine.process_bytes(data, size);
  return engine.checksum();
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t crc, const std::byte* data,
                                                        size_t size) {
  uint64_t state = ~crc;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, sizeof(word));
    state = _mm_crc32_u64(state, word);
    data += 8;
    size -= 8;
  }
  auto state32 = static_cast<uint32_t>(state);
  while (size > 0) {
    state32 = _mm_crc32_u8(state32, static_cast<uint8_t>(*data));
    ++data;
    --size;
  }
  return ~state32;
}

bool cpu_has_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

using ExtendFunction = uint32_t (*)(uint32_t, const std::byte*, size_t);

ExtendFunction choose_implementation() {
#if defined(__x86_64__)
  if (cpu_has_sse42()) return &extend_sse42;
#endif
  return &extend_portable;
}

const ExtendFunction kExtend = choose_implementation();

}  // namespace

uint32_t crc32c_extend(uint32_t crc, std::span<const std::byte> data) {
  return kExtend(crc, data.data(), data.size());
}

uint32_t crc32c(std::span<const std::byte> data) {
  return crc32c_extend(0, data);
}

uint32_t crc32c(std::string_view data) {
  return crc32c(std::as_bytes(std::span<const char>(data.data(), data.size())));
}

bool crc32c_uses_hardware() {
  return kExtend != &extend_portable;
}

namespace detail {
uint32_t crc32c_extend_portable(uint32_t crc, std::span<const std::byte> data) {
  return extend_portable(crc, data.data(), data.size());
}
}  // namespace detail

}  // namespace sluice::checksum
