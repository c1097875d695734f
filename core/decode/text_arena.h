#pragma once
// TextArena: bump allocation for the text a decoder formats (decimals, times, JSON), so decoding
// a row does not allocate per value. Views it returns stay valid until the arena is cleared or
// destroyed. Not thread-safe.

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace sluice::decode {

class TextArena {
 public:
  explicit TextArena(size_t chunk_size = 64 * 1024) : chunk_size_(chunk_size) {}

  // Copies `text` into the arena.
  std::string_view copy(std::string_view text) {
    char* at = allocate(text.size());
    if (!text.empty()) std::memcpy(at, text.data(), text.size());
    return {at, text.size()};
  }

  // Room for `size` bytes; call commit() with what was written.
  char* allocate(size_t size) {
    if (chunks_.empty() || used_ + size > capacity_) {
      capacity_ = std::max(chunk_size_, size);
      chunks_.push_back(std::make_unique<char[]>(capacity_));
      used_ = 0;
    }
    char* at = chunks_.back().get() + used_;
    used_ += size;
    return at;
  }

  // Releases everything but the last chunk, which is reused.
  void clear() {
    if (chunks_.size() > 1) {
      auto last = std::move(chunks_.back());
      chunks_.clear();
      chunks_.push_back(std::move(last));
    }
    used_ = 0;
  }

 private:
  size_t chunk_size_;
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t capacity_ = 0;
  size_t used_ = 0;
};

}  // namespace sluice::decode
