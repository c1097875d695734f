#include "core/codec/byte_reader.h"

#include <fmt/format.h>

namespace sluice::codec {

Status ByteReader::error(std::string_view what, std::string_view detail) const {
  return Status::corruption(fmt::format("{} at offset {}: {}", what, position_, detail));
}

Result<uint8_t> ByteReader::read_u8(std::string_view what) {
  if (remaining() < 1) return error(what, "truncated (need 1 byte, have 0)");
  return static_cast<uint8_t>(bytes_[position_++]);
}

Result<std::string_view> ByteReader::read_bytes(size_t count, std::string_view what) {
  if (remaining() < count) {
    return error(what, fmt::format("truncated (need {} bytes, have {})", count, remaining()));
  }
  std::string_view out = bytes_.substr(position_, count);
  position_ += count;
  return out;
}

namespace {
uint64_t load_le(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i > 0; --i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i - 1]);
  }
  return value;
}
}  // namespace

Result<uint16_t> ByteReader::read_u16_le(std::string_view what) {
  SLUICE_ASSIGN_OR_RETURN(auto bytes, read_bytes(2, what));
  return static_cast<uint16_t>(load_le(bytes));
}

Result<uint32_t> ByteReader::read_u32_le(std::string_view what) {
  SLUICE_ASSIGN_OR_RETURN(auto bytes, read_bytes(4, what));
  return static_cast<uint32_t>(load_le(bytes));
}

Result<uint64_t> ByteReader::read_u64_le(std::string_view what) {
  SLUICE_ASSIGN_OR_RETURN(auto bytes, read_bytes(8, what));
  return load_le(bytes);
}

Result<uint64_t> ByteReader::read_u64_be(std::string_view what) {
  SLUICE_ASSIGN_OR_RETURN(auto bytes, read_bytes(8, what));
  uint64_t value = 0;
  for (char byte : bytes)
    value = (value << 8) | static_cast<uint8_t>(byte);
  return value;
}

Result<uint64_t> ByteReader::read_uvarint(std::string_view what) {
  uint64_t value = 0;
  for (int shift = 0, index = 0;; shift += 7, ++index) {
    if (remaining() < 1) return error(what, "truncated varint");
    const auto byte = static_cast<uint8_t>(bytes_[position_]);
    // Go's binary.Uvarint: at most 10 bytes, and the 10th may only carry the top bit.
    if (index == 9 && byte > 1) return error(what, "varint overflows 64 bits");
    ++position_;
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
}

Result<int64_t> ByteReader::read_varint(std::string_view what) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t zigzag, read_uvarint(what));
  auto value = static_cast<int64_t>(zigzag >> 1);
  if ((zigzag & 1) != 0) value = ~value;
  return value;
}

void append_uvarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_varint(std::string& out, int64_t value) {
  uint64_t zigzag = static_cast<uint64_t>(value) << 1;
  if (value < 0) zigzag = ~zigzag;
  append_uvarint(out, zigzag);
}

void append_u64_be(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(value >> shift));
}

void append_u64_le(std::string& out, uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8)
    out.push_back(static_cast<char>(value >> shift));
}

void append_u32_le(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<char>(value >> shift));
}

void append_u16_le(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value));
  out.push_back(static_cast<char>(value >> 8));
}

}  // namespace sluice::codec
