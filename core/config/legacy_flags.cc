#include "core/config/legacy_flags.h"

namespace sluice::config {

std::vector<std::string> normalize_flags(int argc, char** argv,
                                         const std::vector<std::string>& long_names) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string argument = argv[i];
    if (i > 0 && argument.size() > 2 && argument[0] == '-' && argument[1] != '-') {
      const std::string name = argument.substr(1, argument.find('=') - 1);
      for (const auto& known : long_names) {
        if (name == known) {
          argument = "-" + argument;
          break;
        }
      }
    }
    out.push_back(std::move(argument));
  }
  return out;
}

}  // namespace sluice::config
