#pragma once
// Runs one check in a forked child process, so that a crash, an escaped exception
// (std::terminate), a hang or a sanitizer report in the plugin is that check failing, not the
// tool dying. Call from a single-threaded parent.

#include <chrono>
#include <functional>
#include <string>

#include "suite.h"

namespace sluice::conformance {

// Forks; the child runs `body` and reports its result through a pipe, then exits normally (so
// static destructors and leak checks run). The parent waits up to `timeout`, then kills the
// child. The child's standard output goes to standard error.
CheckResult run_isolated(const std::function<CheckResult()>& body,
                         std::chrono::milliseconds timeout);

// In the child: records what the check is doing now, so a timeout or crash can say where.
void note_step(const std::string& step);

// In the child: reports `result` and ends the process at once with _exit, leaving threads that
// are stuck in the plugin (and the objects they use) alone.
[[noreturn]] void finish_now(const CheckResult& result);

}  // namespace sluice::conformance
