#pragma once
// HostBuffer: the host-owned growable byte buffer a translator appends its encoding to, through
// the sluice_buffer_api_t table api() returns (static, valid until exit). The bytes stay valid
// until the buffer is cleared, written again or destroyed. Not thread-safe: one owner at a time
// (the translate call that fills it).

#include <sluice/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::plugin_host {

class HostBuffer {
 public:
  // The buffer call table handed to translators.
  static const sluice_buffer_api_t* api();

  sluice_buffer_t* handle() { return reinterpret_cast<sluice_buffer_t*>(this); }
  static HostBuffer* from(sluice_buffer_t* buffer) { return reinterpret_cast<HostBuffer*>(buffer); }
  static const HostBuffer* from(const sluice_buffer_t* buffer) {
    return reinterpret_cast<const HostBuffer*>(buffer);
  }

  // false when memory is exhausted.
  bool append(const void* data, size_t size) noexcept;
  // Room for `size` more bytes; commit() then adds the bytes actually written. nullptr when
  // memory is exhausted.
  uint8_t* reserve(size_t size) noexcept;
  // Adds `size` bytes written after reserve(), at most as many as were reserved.
  void commit(size_t size) noexcept;

  void clear() noexcept;
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes_.data()), size_}; }

 private:
  std::vector<uint8_t> bytes_;  // bytes_.size() >= size_ + reserved_
  size_t size_ = 0;             // committed bytes
  size_t reserved_ = 0;         // bytes reserved after size_ and not yet committed
};

}  // namespace sluice::plugin_host
