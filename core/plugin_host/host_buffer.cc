#include "core/plugin_host/host_buffer.h"

#include <algorithm>
#include <cstring>

namespace sluice::plugin_host {
namespace {

sluice_status_t buffer_append(sluice_buffer_t* buffer, const void* data, size_t size) noexcept {
  if (buffer == nullptr || (data == nullptr && size != 0)) return SLUICE_FATAL;
  return HostBuffer::from(buffer)->append(data, size) ? SLUICE_OK : SLUICE_FATAL;
}

uint8_t* buffer_reserve(sluice_buffer_t* buffer, size_t size) noexcept {
  return buffer == nullptr ? nullptr : HostBuffer::from(buffer)->reserve(size);
}

void buffer_commit(sluice_buffer_t* buffer, size_t size) noexcept {
  if (buffer != nullptr) HostBuffer::from(buffer)->commit(size);
}

size_t buffer_size(const sluice_buffer_t* buffer) noexcept {
  return buffer == nullptr ? 0 : HostBuffer::from(buffer)->size();
}

constexpr sluice_buffer_api_t kBufferApi = {
    sizeof(sluice_buffer_api_t), &buffer_append, &buffer_reserve, &buffer_commit, &buffer_size,
};

}  // namespace

const sluice_buffer_api_t* HostBuffer::api() {
  return &kBufferApi;
}

bool HostBuffer::append(const void* data, size_t size) noexcept {
  uint8_t* room = reserve(size);
  if (room == nullptr) return false;
  if (size != 0) std::memcpy(room, data, size);
  commit(size);
  return true;
}

uint8_t* HostBuffer::reserve(size_t size) noexcept {
  try {
    if (size > bytes_.max_size() - size_) return nullptr;
    if (bytes_.size() < size_ + size || bytes_.empty()) {
      // Grow geometrically so repeated small appends stay amortised O(1); never empty, so
      // reserve(0) still returns a valid pointer.
      bytes_.resize(std::max({size_ + size, bytes_.size() * 2, size_t{64}}));
    }
    reserved_ = size;
    return bytes_.data() + size_;
  } catch (...) {
    return nullptr;
  }
}

void HostBuffer::commit(size_t size) noexcept {
  size_ += std::min(size, reserved_);
  reserved_ = 0;
}

void HostBuffer::clear() noexcept {
  size_ = 0;
  reserved_ = 0;
}

}  // namespace sluice::plugin_host
