#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) {
  return std::strerror(err);
}

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// The parent's environment with `extra` entries added, replacing entries of the same name.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const bool overridden = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return name_of(x) == name_of(entry);
    });
    if (!overridden) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn file actions and attributes, released on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

void check(int rc, const char* what) {
  if (rc != 0)
    throw std::runtime_error(std::string("ChildProcess: ") + what + ": " + errno_text(rc));
}

}  // namespace

ChildProcess::ChildProcess(ChildProcessOptions options) : options_(std::move(options)) {
  if (options_.argv.empty()) throw std::invalid_argument("ChildProcess: argv is empty");

  int stdin_pair[2] = {-1, -1};   // [0] parent end, [1] child end
  int stdout_pair[2] = {-1, -1};  // [0] parent end, [1] child end
  auto close_all = [&] {
    for (int* fd : {&stdin_pair[0], &stdin_pair[1], &stdout_pair[0], &stdout_pair[1]})
      close_fd(*fd);
  };
  if (options_.pipe_stdin &&
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stdin_pair) != 0) {
    throw std::runtime_error("ChildProcess: socketpair: " + errno_text(errno));
  }
  if (options_.pipe_stdout &&
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stdout_pair) != 0) {
    const int err = errno;
    close_all();
    throw std::runtime_error("ChildProcess: socketpair: " + errno_text(err));
  }

  try {
    SpawnSetup setup;
    const std::string log =
        options_.log_file.empty() ? std::string("/dev/null") : options_.log_file.string();
    constexpr int kLogFlags = O_WRONLY | O_CREAT | O_APPEND;
    if (options_.pipe_stdin) {
      check(::posix_spawn_file_actions_adddup2(setup.actions(), stdin_pair[1], STDIN_FILENO),
            "adddup2 stdin");
    } else {
      check(::posix_spawn_file_actions_addopen(setup.actions(), STDIN_FILENO, "/dev/null", O_RDONLY,
                                               0),
            "addopen stdin");
    }
    check(::posix_spawn_file_actions_addopen(setup.actions(), STDERR_FILENO, log.c_str(), kLogFlags,
                                             0644),
          "addopen stderr");
    if (options_.pipe_stdout) {
      check(::posix_spawn_file_actions_adddup2(setup.actions(), stdout_pair[1], STDOUT_FILENO),
            "adddup2 stdout");
    } else {
      check(::posix_spawn_file_actions_adddup2(setup.actions(), STDERR_FILENO, STDOUT_FILENO),
            "adddup2 stdout");
    }

    // Own process group; default signal dispositions and an empty mask, whatever the test set.
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);
    check(::posix_spawnattr_setflags(
              setup.attr(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
          "setflags");
    check(::posix_spawnattr_setpgroup(setup.attr(), 0), "setpgroup");
    check(::posix_spawnattr_setsigdefault(setup.attr(), &all), "setsigdefault");
    check(::posix_spawnattr_setsigmask(setup.attr(), &none), "setsigmask");

    std::vector<std::string> argv_copy = options_.argv;
    std::vector<std::string> env = merged_environment(options_.extra_env);
    std::vector<char*> argv_c = c_strings(argv_copy);
    std::vector<char*> env_c = c_strings(env);
    const bool has_slash = options_.argv[0].find('/') != std::string::npos;
    const int rc = has_slash ? ::posix_spawn(&pid_, argv_c[0], setup.actions(), setup.attr(),
                                             argv_c.data(), env_c.data())
                             : ::posix_spawnp(&pid_, argv_c[0], setup.actions(), setup.attr(),
                                              argv_c.data(), env_c.data());
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("ChildProcess: cannot start " + options_.argv[0] + ": " +
                               errno_text(rc));
    }
  } catch (...) {
    close_all();
    throw;
  }
  close_fd(stdin_pair[1]);
  close_fd(stdout_pair[1]);
  stdin_fd_ = stdin_pair[0];
  stdout_fd_ = stdout_pair[0];
}

ChildProcess::~ChildProcess() {
  close_stdin();
  close_fd(stdout_fd_);
  if (pid_ > 0 && !wait_status_) reap_blocking(SIGKILL);
}

bool ChildProcess::is_running() {
  if (pid_ <= 0 || wait_status_) return false;
  int status = 0;
  pid_t rc;
  do {
    rc = ::waitpid(pid_, &status, WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc == pid_) {
    wait_status_ = status;
    return false;
  }
  if (rc < 0) {
    // ECHILD: someone else reaped it (e.g. SIGCHLD set to SIG_IGN). Treat as gone.
    wait_status_ = 0;
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (is_running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return wait_status_;
}

void ChildProcess::reap_blocking(int signal_to_send) {
  if (pid_ <= 0 || wait_status_) return;
  ::kill(pid_, signal_to_send);  // our own unreaped child: the PID cannot belong to anyone else
  int status = 0;
  pid_t rc;
  do {
    rc = ::waitpid(pid_, &status, 0);
  } while (rc < 0 && errno == EINTR);
  wait_status_ = rc == pid_ ? status : 0;
}

int ChildProcess::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return 0;
  if (is_running()) {
    ::kill(pid_, SIGTERM);
    if (!wait_for_exit(timeout)) reap_blocking(SIGKILL);
  }
  return wait_status_.value_or(0);
}

int ChildProcess::kill9() {
  reap_blocking(SIGKILL);
  return wait_status_.value_or(0);
}

bool ChildProcess::write_stdin(std::string_view data) {
  if (stdin_fd_ < 0) return false;
  while (!data.empty()) {
    const ssize_t n = ::send(stdin_fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void ChildProcess::close_stdin() {
  close_fd(stdin_fd_);
}

std::optional<std::string> ChildProcess::read_stdout_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto newline = stdout_buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, newline);
      stdout_buffer_.erase(0, newline + 1);
      return line;
    }
    if (stdout_fd_ < 0) return std::nullopt;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd pfd{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close_fd(stdout_fd_);  // EOF or error: no more lines will come
      continue;
    }
    stdout_buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::string ChildProcess::log_tail(std::size_t max_bytes) const {
  return options_.log_file.empty() ? std::string() : read_file_tail(options_.log_file, max_bytes);
}

std::string read_file_tail(const std::filesystem::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size <= 0) return {};
  const auto max = static_cast<std::streamoff>(max_bytes);
  const std::streamoff start = size > max ? size - max : 0;
  in.seekg(start);
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (start > 0) {
    const auto newline = text.find('\n');
    if (newline != std::string::npos) text.erase(0, newline + 1);
  }
  return text;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) +
           (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : std::string());
  }
  return "wait status " + std::to_string(status);
}

std::optional<std::filesystem::path> find_executable(
    std::string_view name, const std::vector<std::filesystem::path>& extra_dirs) {
  std::vector<std::filesystem::path> dirs;
  if (const char* path_env = std::getenv("PATH"); path_env != nullptr) {
    std::string_view rest(path_env);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) dirs.emplace_back(dir);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const auto& dir : dirs) {
    const std::filesystem::path candidate = dir / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace sluice::testing
