#include "core/storage/storage_keys.h"

namespace sluice::storage {

std::string encode_ts_key(int64_t ts) {
  auto value = static_cast<uint64_t>(ts);
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[static_cast<size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return key;
}

std::optional<int64_t> decode_ts_key(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : key)
    value = (value << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(value);
}

std::string encode_int64_le(int64_t value) {
  auto bits = static_cast<uint64_t>(value);
  std::string out(8, '\0');
  for (size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(bits & 0xff);
    bits >>= 8;
  }
  return out;
}

std::optional<int64_t> decode_int64_le(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 8; i-- > 0;)
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(value);
}

}  // namespace sluice::storage
