#include "tests/support/child_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace sluice::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool pid_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

TEST(ChildProcessTest, TerminateSendsSigtermAndReaps) {
  ChildProcess child({.argv = {"sleep", "30"}});
  const pid_t pid = child.pid();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(child.is_running());
  EXPECT_EQ(::getpgid(pid), pid) << "child must lead its own process group";
  const int status = child.terminate(seconds(5));
  ASSERT_TRUE(WIFSIGNALED(status)) << describe_wait_status(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_FALSE(child.is_running());
  EXPECT_FALSE(pid_exists(pid));
}

TEST(ChildProcessTest, TerminateEscalatesToSigkill) {
  // Ignored signals stay ignored across exec, so this sleep ignores SIGTERM.
  ChildProcess child(
      {.argv = {"sh", "-c", "trap '' TERM; echo ready; exec sleep 30"}, .pipe_stdout = true});
  ASSERT_EQ(child.read_stdout_line(seconds(5)), "ready");
  const int status = child.terminate(milliseconds(200));
  ASSERT_TRUE(WIFSIGNALED(status)) << describe_wait_status(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(ChildProcessTest, Kill9) {
  ChildProcess child({.argv = {"sleep", "30"}});
  const pid_t pid = child.pid();
  const int status = child.kill9();
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(describe_wait_status(status), "killed by signal 9 (SIGKILL)");
  EXPECT_FALSE(pid_exists(pid));
  EXPECT_EQ(child.kill9(), status) << "kill9 on a reaped child only returns the status";
}

TEST(ChildProcessTest, DestructorKillsAndReapsItsOwnPid) {
  pid_t pid = -1;
  {
    ChildProcess child({.argv = {"sleep", "30"}});
    pid = child.pid();
    ASSERT_TRUE(pid_exists(pid));
  }
  EXPECT_FALSE(pid_exists(pid));
}

TEST(ChildProcessTest, ExitCodeIsReported) {
  ChildProcess child({.argv = {"sh", "-c", "exit 3"}});
  const auto status = child.wait_for_exit(seconds(5));
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  EXPECT_EQ(describe_wait_status(*status), "exited with code 3");
  EXPECT_EQ(child.terminate(), *status);
}

TEST(ChildProcessTest, WaitForExitTimesOut) {
  ChildProcess child({.argv = {"sleep", "30"}});
  EXPECT_FALSE(child.wait_for_exit(milliseconds(50)).has_value());
  EXPECT_TRUE(child.is_running());
}

TEST(ChildProcessTest, ExtraEnvironmentIsPassedAndOverrides) {
  ::setenv("SLUICE_TEST_OVERRIDDEN", "old", 1);
  ::setenv("SLUICE_TEST_INHERITED", "inherited", 1);
  ChildProcess child({.argv = {"sh", "-c",
                               "echo \"$SLUICE_TEST_VALUE\"; echo \"$SLUICE_TEST_OVERRIDDEN\"; "
                               "echo \"$SLUICE_TEST_INHERITED\""},
                      .extra_env = {"SLUICE_TEST_VALUE=hello world", "SLUICE_TEST_OVERRIDDEN=new"},
                      .pipe_stdout = true});
  EXPECT_EQ(child.read_stdout_line(seconds(5)), "hello world");
  EXPECT_EQ(child.read_stdout_line(seconds(5)), "new");
  EXPECT_EQ(child.read_stdout_line(seconds(5)), "inherited");
  EXPECT_EQ(child.read_stdout_line(seconds(5)), std::nullopt) << "EOF after the child exits";
  ::unsetenv("SLUICE_TEST_OVERRIDDEN");
  ::unsetenv("SLUICE_TEST_INHERITED");
}

TEST(ChildProcessTest, StdoutAndStderrGoToLogFile) {
  TempDir dir;
  const auto log = dir.file("child.log");
  ChildProcess child(
      {.argv = {"sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 0"}, .log_file = log});
  ASSERT_TRUE(child.wait_for_exit(seconds(5)).has_value());
  EXPECT_EQ(child.log_tail(), "to-stdout\nto-stderr\n");
  EXPECT_EQ(read_file_tail(log), "to-stdout\nto-stderr\n");
}

TEST(ChildProcessTest, StdinPipe) {
  ChildProcess child({.argv = {"cat"}, .pipe_stdin = true, .pipe_stdout = true});
  ASSERT_TRUE(child.write_stdin("first\nsecond\n"));
  EXPECT_EQ(child.read_stdout_line(seconds(5)), "first");
  EXPECT_EQ(child.read_stdout_line(seconds(5)), "second");
  EXPECT_EQ(child.read_stdout_line(milliseconds(50)), std::nullopt) << "nothing more yet";
  child.close_stdin();
  const auto status = child.wait_for_exit(seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_FALSE(child.write_stdin("late\n"));
}

TEST(ChildProcessTest, WriteToExitedChildFailsWithoutSigpipe) {
  ChildProcess child({.argv = {"true"}, .pipe_stdin = true});
  ASSERT_TRUE(child.wait_for_exit(seconds(5)).has_value());
  // The reader is gone: the write fails (EPIPE) instead of killing the test with SIGPIPE.
  bool ok = true;
  for (int i = 0; i < 10 && ok; ++i)
    ok = child.write_stdin(std::string(65536, 'x'));
  EXPECT_FALSE(ok);
}

TEST(ChildProcessTest, MissingProgramThrows) {
  EXPECT_THROW(ChildProcess({.argv = {"/nonexistent/sluice-no-such-program"}}), std::runtime_error);
  EXPECT_THROW(ChildProcess({.argv = {"sluice-no-such-program-on-path"}}), std::runtime_error);
  EXPECT_THROW(ChildProcess({.argv = {}}), std::invalid_argument);
}

TEST(ChildProcessTest, ReadFileTailCutsAtLineBoundary) {
  TempDir dir;
  const auto path = dir.file("log");
  {
    std::ofstream out(path);
    for (int i = 0; i < 100; ++i)
      out << "line " << i << "\n";
  }
  EXPECT_EQ(read_file_tail(path, 20), "line 98\nline 99\n");
  EXPECT_EQ(read_file_tail(dir.file("missing")), "");
}

TEST(ChildProcessTest, FindExecutable) {
  const auto sh = find_executable("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_EQ(::access(sh->c_str(), X_OK), 0);
  EXPECT_FALSE(find_executable("sluice-no-such-program-anywhere").has_value());
}

TEST(FreePortTest, PortIsBindable) {
  const std::uint16_t port = free_tcp_port();
  ASSERT_GT(port, 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << port;
  ::close(fd);
}

}  // namespace
}  // namespace sluice::testing
