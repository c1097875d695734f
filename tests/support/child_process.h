#pragma once
// ChildProcess: one child started with posix_spawn in its own process group, with stdout/stderr
// appended to a log file and optionally stdin/stdout connected to the parent. Owns exactly that
// PID: the destructor sends SIGKILL to that PID only (never a group, never by name) if it has not
// been reaped yet, and reaps it. Because the parent reaps, the PID cannot be reused while owned.
// Thread-safety: not thread-safe; use one object from one thread at a time (callers serialize).

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::testing {

struct ChildProcessOptions {
  // argv[0] is the program: an absolute path, or a bare name looked up on PATH.
  std::vector<std::string> argv;
  // "NAME=value" entries added to the parent's environment (replacing a same-named entry).
  std::vector<std::string> extra_env;
  // stdout and stderr are appended here (created 0644); empty means /dev/null.
  std::filesystem::path log_file;
  // When set, the parent talks to the child's stdin (write_stdin/close_stdin) and/or reads its
  // stdout (read_stdout_line) through a UNIX socket pair, so writing to a child that has exited
  // fails with EPIPE instead of raising SIGPIPE. Otherwise stdin is /dev/null and stdout goes to
  // log_file. stderr always goes to log_file.
  bool pipe_stdin = false;
  bool pipe_stdout = false;
};

class ChildProcess {
 public:
  // Spawns the child. Throws std::runtime_error when posix_spawn fails (e.g. no such program).
  explicit ChildProcess(ChildProcessOptions options);
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return options_.log_file; }

  // True while the child has not exited. Reaps it (and records the status) once it has.
  bool is_running();
  // The raw wait status once the child has been reaped.
  std::optional<int> wait_status() const { return wait_status_; }
  // Waits up to `timeout` for the child to exit on its own; returns its wait status if it did.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it is still running after `timeout`; reaps. Returns the wait status.
  // Does nothing but return the recorded status if the child was already reaped.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGKILL and reap, for crash tests. Returns the wait status.
  int kill9();

  // Writes all of `data` to the child's stdin. False if the child closed it (or it is not piped).
  bool write_stdin(std::string_view data);
  // Closes the parent's end of stdin: the child reads EOF.
  void close_stdin();
  // One line of the child's stdout without the trailing newline; nullopt on timeout or EOF.
  std::optional<std::string> read_stdout_line(std::chrono::milliseconds timeout);

  // The last `max_bytes` of the log file (starting at a line boundary), for error messages.
  std::string log_tail(std::size_t max_bytes = 4096) const;

 private:
  void reap_blocking(int signal_to_send);

  ChildProcessOptions options_;
  pid_t pid_ = -1;
  std::optional<int> wait_status_;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string stdout_buffer_;
};

// The last `max_bytes` of a file, starting after the first newline when cut; "" if unreadable.
std::string read_file_tail(const std::filesystem::path& path, std::size_t max_bytes = 4096);

// "exited with code N" / "killed by signal N (SIGKILL)".
std::string describe_wait_status(int status);

// The first executable named `name` in $PATH, then in `extra_dirs`; nullopt if none.
std::optional<std::filesystem::path> find_executable(
    std::string_view name, const std::vector<std::filesystem::path>& extra_dirs = {
                               "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"});

}  // namespace sluice::testing
