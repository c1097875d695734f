#pragma once
// ByteReader: a cursor over untrusted bytes. Every read checks the remaining length and fails
// with a Corruption status naming what was being read and where, so decoders never read out of
// bounds. Does not own the bytes; they must outlive the reader. Not thread-safe.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::codec {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }
  bool empty() const { return position_ == bytes_.size(); }
  std::string_view rest() const { return bytes_.substr(position_); }

  Result<uint8_t> read_u8(std::string_view what);
  Result<std::string_view> read_bytes(size_t count, std::string_view what);
  Result<uint16_t> read_u16_le(std::string_view what);
  Result<uint32_t> read_u32_le(std::string_view what);
  Result<uint64_t> read_u64_le(std::string_view what);
  Result<uint64_t> read_u64_be(std::string_view what);
  // Go's encoding/binary Uvarint / Varint (zigzag).
  Result<uint64_t> read_uvarint(std::string_view what);
  Result<int64_t> read_varint(std::string_view what);

  // Fast paths for hot loops: false (and nothing consumed) when the input is short or malformed;
  // the caller then reports with error(). Inline, no Status on success.
  bool next_u8(uint8_t& out) {
    if (position_ >= bytes_.size()) return false;
    out = static_cast<uint8_t>(bytes_[position_++]);
    return true;
  }
  bool next_bytes(size_t count, std::string_view& out) {
    if (bytes_.size() - position_ < count) return false;
    out = bytes_.substr(position_, count);
    position_ += count;
    return true;
  }
  bool next_uvarint(uint64_t& out) {
    uint64_t value = 0;
    size_t at = position_;
    for (int shift = 0, index = 0; at < bytes_.size(); shift += 7, ++index) {
      const auto byte = static_cast<uint8_t>(bytes_[at++]);
      if (index == 9 && byte > 1) return false;  // overflows 64 bits
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        position_ = at;
        out = value;
        return true;
      }
    }
    return false;
  }
  bool next_varint(int64_t& out) {
    uint64_t zigzag = 0;
    if (!next_uvarint(zigzag)) return false;
    out = static_cast<int64_t>(zigzag >> 1);
    if ((zigzag & 1) != 0) out = ~out;
    return true;
  }

  // A Corruption status "<what> at offset N: <detail>".
  Status error(std::string_view what, std::string_view detail) const;

 private:
  std::string_view bytes_;
  size_t position_ = 0;
};

// Writers matching the readers (append to `out`).
void append_uvarint(std::string& out, uint64_t value);
void append_varint(std::string& out, int64_t value);
void append_u64_be(std::string& out, uint64_t value);
void append_u64_le(std::string& out, uint64_t value);
void append_u32_le(std::string& out, uint32_t value);
void append_u16_le(std::string& out, uint16_t value);

}  // namespace sluice::codec
