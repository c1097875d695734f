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
