#pragma once
// Hand-built binary JSON values whose containers point many entries at one shared sub-value: a
// few hundred bytes that render to gigabytes when every reference is followed. TiDB's encoder
// never shares (each element is written once), so only corrupt or crafted bytes look like this.
// Pure functions; used by the codec and decode tests.

#include <cstdint>
#include <string>

namespace sluice::codec::testing {

inline void append_u32_le(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>(value >> (8 * i));
}

// An array container (no type code) of `count` entries, every one of type `shared_type` at the
// offset of `shared`, which is stored once after the entries.
inline std::string array_sharing(uint32_t count, uint8_t shared_type, const std::string& shared) {
  const uint32_t offset = 8 + 5 * count;
  std::string out;
  append_u32_le(out, count);
  append_u32_le(out, offset + static_cast<uint32_t>(shared.size()));
  for (uint32_t i = 0; i < count; ++i) {
    out += static_cast<char>(shared_type);
    append_u32_le(out, offset);
  }
  return out + shared;
}

// Type code 0x03 and `levels` nested arrays of `fanout` entries each, all pointing at the one
// array below; the innermost is []. Renders to about (fanout + 2)^levels bytes: 10 and 9 make
// 531 bytes that render to 4.2 GB.
inline std::string nested_shared_arrays(uint32_t fanout, int levels) {
  std::string container("\x00\x00\x00\x00\x08\x00\x00\x00", 8);  // []: count 0, size 8
  for (int i = 0; i < levels; ++i)
    container = array_sharing(fanout, 0x03, container);
  return "\x03" + container;
}

// Type code 0x03 and an array of `count` entries pointing at one string of `length` bytes 'x'.
inline std::string array_of_one_shared_string(uint32_t count, uint32_t length) {
  std::string string;
  uint32_t rest = length;  // the length as a uvarint
  for (; rest >= 0x80; rest >>= 7)
    string += static_cast<char>((rest & 0x7f) | 0x80);
  string += static_cast<char>(rest);
  string += std::string(length, 'x');
  return "\x03" + array_sharing(count, 0x0c, string);
}

}  // namespace sluice::codec::testing
