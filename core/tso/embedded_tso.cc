#include "core/tso/embedded_tso.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/common/file_lock.h"
#include "core/tso/tso.h"

namespace sluice::tso {

namespace {
constexpr uint64_t kMagic = 0x534C554943455453ull;  // "SLUICETS"
constexpr size_t kStateFileSize = 4096;
constexpr size_t kBootIdSize = 64;

Status errno_status(const std::string& what, const std::filesystem::path& path) {
  return Status::io_error(
      fmt::format("embedded TSO {}: {}: {}", path.string(), what, std::strerror(errno)));
}
}  // namespace

// The layout of the mapped file. Lock-free 64-bit atomics are address-free, so the processes
// mapping the file share them.
struct EmbeddedTso::SharedState {
  uint64_t magic;
  uint32_t version;
  uint32_t reserved;
  std::atomic<int64_t> last;   // the last timestamp issued
  std::atomic<int64_t> limit;  // persisted bound: nothing at or above it was issued
  char boot_id[kBootIdSize];   // the boot the shared page belongs to
};
static_assert(std::atomic<int64_t>::is_always_lock_free);
static_assert(sizeof(EmbeddedTso::SharedState) <= kStateFileSize);

std::string current_boot_id() {
  std::ifstream input("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(input, id);
  return id;
}

EmbeddedTso::EmbeddedTso(std::filesystem::path path, int fd, SharedState* state,
                         EmbeddedTsoOptions options)
    : path_(std::move(path)), fd_(fd), state_(state), options_(std::move(options)) {}

EmbeddedTso::~EmbeddedTso() {
  ::munmap(state_, kStateFileSize);
  ::close(fd_);
}

Result<std::unique_ptr<EmbeddedTso>> EmbeddedTso::open(const std::filesystem::path& path,
                                                       EmbeddedTsoOptions options) {
  if (!options.now_ms) {
    options.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!options.boot_id) options.boot_id = current_boot_id;
  if (path.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
  }
  SLUICE_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(path.string() + ".lock"));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot open", path);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || (static_cast<size_t>(info.st_size) < kStateFileSize &&
                                  ::ftruncate(fd, static_cast<off_t>(kStateFileSize)) != 0)) {
    Status status = errno_status("cannot size the state file", path);
    ::close(fd);
    return status;
  }
  void* mapping = ::mmap(nullptr, kStateFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mapping == MAP_FAILED) {
    Status status = errno_status("cannot map the state file", path);
    ::close(fd);
    return status;
  }
  auto* state = static_cast<SharedState*>(mapping);
  const std::string boot = options.boot_id().substr(0, kBootIdSize - 1);
  if (state->magic != kMagic) {
    if (state->magic != 0) {
      ::munmap(mapping, kStateFileSize);
      ::close(fd);
      return Status::corruption(
          fmt::format("embedded TSO {}: not a Sluice TSO state file", path.string()));
    }
    state->version = 1;
    state->last.store(0);
    state->limit.store(0);
    std::memset(state->boot_id, 0, kBootIdSize);
    state->magic = kMagic;
  }
  if (std::strncmp(state->boot_id, boot.c_str(), kBootIdSize) != 0) {
    // First opener since boot: what `last` says may predate a crash of the machine, but nothing
    // was ever issued at or above the persisted bound, so resume there.
    const int64_t resume = std::max(state->last.load(), state->limit.load());
    state->last.store(resume);
    std::memset(state->boot_id, 0, kBootIdSize);
    std::memcpy(state->boot_id, boot.data(), boot.size());
    if (::msync(mapping, kStateFileSize, MS_SYNC) != 0) {
      Status status = errno_status("cannot sync the state file", path);
      ::munmap(mapping, kStateFileSize);
      ::close(fd);
      return status;
    }
  }
  return std::make_unique<EmbeddedTso>(path, fd, state, std::move(options));
}

Status EmbeddedTso::extend_window(int64_t needed) {
  SLUICE_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(path_.string() + ".lock"));
  if (state_->limit.load() > needed) return Status::ok();  // another process extended it
  const int64_t limit = compose(physical_ms(needed) + options_.window.count(), 0);
  state_->limit.store(limit);
  if (::msync(state_, kStateFileSize, MS_SYNC) != 0) {
    return errno_status("cannot persist the timestamp window", path_);
  }
  return Status::ok();
}

Result<int64_t> EmbeddedTso::next() {
  while (true) {
    int64_t last = state_->last.load();
    const int64_t now = compose(options_.now_ms(), 0);
    const int64_t candidate = std::max(now, last + 1);
    if (candidate >= state_->limit.load()) {
      SLUICE_RETURN_IF_ERROR(extend_window(candidate));
      continue;
    }
    if (state_->last.compare_exchange_weak(last, candidate)) return candidate;
  }
}

int64_t EmbeddedTso::last() const {
  return state_->last.load();
}
int64_t EmbeddedTso::persisted_limit() const {
  return state_->limit.load();
}

}  // namespace sluice::tso
