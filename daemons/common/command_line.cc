#include "daemons/common/command_line.h"

#include <fmt/format.h>

#include <vector>

#include "core/config/legacy_flags.h"

namespace sluice::daemon {

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> long_names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames())
      long_names.push_back(name);
  }
  const std::vector<std::string> normalized = config::normalize_flags(argc, argv, long_names);
  std::vector<char*> pointers;
  for (const auto& argument : normalized)
    pointers.push_back(const_cast<char*>(argument.c_str()));
  try {
    app.parse(static_cast<int>(pointers.size()), pointers.data());
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return std::nullopt;
}

int fail(std::string_view program, const std::string& message) {
  fmt::print(stderr, "{}: {}\n", program, message);
  return 1;
}

}  // namespace sluice::daemon
