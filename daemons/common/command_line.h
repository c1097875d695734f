#pragma once
// How a daemon's main() reads its command line: CLI11, with the original's Go-style single-dash
// long flags ("-config x", "-L info") accepted too (core/config/legacy_flags.h) for every long
// option the app defines; and how it reports a failure.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sluice::daemon {

// nullopt: parsed, go on. Otherwise the exit code main() should return (help or version text
// printed, or a parse error explained).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// Prints "<program>: <message>" to stderr and returns 1.
int fail(std::string_view program, const std::string& message);

}  // namespace sluice::daemon
