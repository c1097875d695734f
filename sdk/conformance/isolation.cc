#include "isolation.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <thread>

namespace sluice::conformance {
namespace {

// The write end of the result pipe, and what the check is doing now: in the child only.
int result_fd = -1;
std::string current_step;

// The protocol on the pipe: lines "STEP <what>" while running, then "RESULT <PASS|FAIL|SKIP>
// <detail>" once. Details are one line.
void write_all(int fd, const std::string& text) {
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

void send_result(const CheckResult& result) {
  if (result_fd < 0) return;
  write_all(result_fd, std::string("RESULT ") + outcome_word(result.outcome) + " " +
                           one_line(result.detail) + "\n");
}

[[noreturn]] void on_terminate() noexcept {
  std::string message = "std::terminate was called";
  if (std::exception_ptr escaped = std::current_exception()) {
    try {
      std::rethrow_exception(escaped);
    } catch (const std::exception& error) {
      message = std::string("an exception escaped into the host (std::terminate): ") + error.what();
    } catch (...) {
      message = "an exception of unknown type escaped into the host (std::terminate)";
    }
  }
  if (!current_step.empty()) message += " during: " + current_step;
  send_result(fail(message));
  ::_exit(134);
}

std::string describe_signal(int signal_number) {
  const char* name = ::sigabbrev_np(signal_number);
  const char* text = ::strsignal(signal_number);
  return std::string("signal ") + std::to_string(signal_number) + " (" +
         (name ? std::string("SIG") + name : std::string("?")) + ": " + (text ? text : "") + ")";
}

}  // namespace

void note_step(const std::string& step) {
  if (result_fd < 0) return;
  current_step = one_line(step);
  write_all(result_fd, "STEP " + current_step + "\n");
}

void finish_now(const CheckResult& result) {
  send_result(result);
  std::fflush(stderr);
  ::_exit(0);
}

CheckResult run_isolated(const std::function<CheckResult()>& body,
                         std::chrono::milliseconds timeout) {
  std::cout.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return fail(std::string("fork: ") + std::strerror(errno));
  }
  if (child == 0) {
    ::close(fds[0]);
    result_fd = fds[1];
    ::dup2(STDERR_FILENO, STDOUT_FILENO);  // the parent's stdout carries only result lines
    std::set_terminate(&on_terminate);
    CheckResult result;
    try {
      result = body();
    } catch (const std::exception& error) {
      result = fail(std::string("the check itself failed: ") + error.what());
    }
    send_result(result);
    ::close(result_fd);
    result_fd = -1;
    std::fflush(stderr);
    std::exit(0);  // normal exit: static destructors of the plugin and leak checkers run
  }

  ::close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string received;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd poll_fd{fds[0], POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(fds[0], buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child (and everything it started) closed the pipe
    received.append(buffer, static_cast<size_t>(got));
  }
  ::close(fds[0]);

  int status = 0;
  bool reaped = false;
  while (!timed_out) {
    const pid_t waited = ::waitpid(child, &status, WNOHANG);
    if (waited == child) {
      reaped = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!reaped) {
    ::kill(child, SIGKILL);
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  }

  // Parse what the child said.
  std::string last_step;
  std::optional<CheckResult> reported;
  size_t start = 0;
  while (start < received.size()) {
    size_t end = received.find('\n', start);
    if (end == std::string::npos) end = received.size();
    const std::string line = received.substr(start, end - start);
    start = end + 1;
    if (line.rfind("STEP ", 0) == 0) {
      last_step = line.substr(5);
    } else if (line.rfind("RESULT ", 0) == 0 && !reported) {
      const std::string word = line.substr(7, 4);
      const std::string detail = line.size() > 12 ? line.substr(12) : "";
      const Outcome outcome = word == "PASS"   ? Outcome::kPass
                              : word == "SKIP" ? Outcome::kSkip
                                               : Outcome::kFail;
      reported = CheckResult{outcome, detail};
    }
  }
  const std::string where = last_step.empty() ? "" : " during: " + last_step;
  const double seconds = static_cast<double>(timeout.count()) / 1000.0;
  char limit[32];
  std::snprintf(limit, sizeof(limit), "%g s", seconds);

  if (timed_out) {
    if (reported && reported->outcome == Outcome::kFail) return *reported;
    return fail(std::string("did not finish within ") + limit + where + " (killed)" +
                (reported ? "; it had reported: " + reported->detail : ""));
  }
  if (!reported) {
    if (WIFSIGNALED(status)) {
      return fail("crashed with " + describe_signal(WTERMSIG(status)) + where);
    }
    return fail("the check process exited with status " + std::to_string(WEXITSTATUS(status)) +
                " before reporting" + where + " (did the plugin call exit?)");
  }
  if (reported->outcome == Outcome::kFail) return *reported;
  if (WIFSIGNALED(status)) {
    return fail(reported->detail + "; then the process crashed with " +
                describe_signal(WTERMSIG(status)) +
                " at exit (a static destructor, or a thread the plugin did not join?)");
  }
  if (WEXITSTATUS(status) != 0) {
    return fail(reported->detail + "; then the process exited with status " +
                std::to_string(WEXITSTATUS(status)) + " (see the sanitizer report above)");
  }
  return *reported;
}

}  // namespace sluice::conformance
