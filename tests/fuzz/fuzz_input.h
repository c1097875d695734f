#pragma once
// FuzzInput: reads a fuzz target's structured input: single bytes and [u16 little-endian
// length][bytes] fields. Past the end it reads zeros and empty fields; a length running past the
// end takes what is left. The views point into the input. One target run at a time.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::string_view field() {
    size_t length = byte();
    length |= static_cast<size_t>(byte()) << 8;
    length = std::min(length, size_ - std::min(at_, size_));
    std::string_view out(reinterpret_cast<const char*>(data_ + at_), length);
    at_ += length;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

}  // namespace sluice::fuzz
