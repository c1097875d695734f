#pragma once
// The original daemons take Go-style single-dash long flags ("-config x", "-L info"); Sluice's
// command lines use CLI11's double-dash form. normalize_flags rewrites a single-dash argument
// whose name is one of `long_names` ("-config" or "-config=x") to the double-dash form and leaves
// everything else as it is. argv[0] is kept. Pure function.

#include <string>
#include <vector>

namespace sluice::config {

std::vector<std::string> normalize_flags(int argc, char** argv,
                                         const std::vector<std::string>& long_names);

}  // namespace sluice::config
