#pragma once
// Who could have written a file the daemon is about to run? A plugin runs with the daemon's
// rights, so the host refuses a plugins directory that other users may write to, and plugin
// files (libraries, manifests) that other users may write to or that belong to someone other
// than the daemon's effective user or root. Stateless functions: safe from any thread.

#include <filesystem>
#include <string_view>

#include "core/common/status.h"

namespace sluice::plugin_host {

// Refuses a directory writable by others (S_IWOTH), naming it and its mode. `what` describes it
// in the message ("plugins directory").
Status check_directory_trust(const std::filesystem::path& directory, std::string_view what);

// Refuses a file (after following symlinks) that is not a regular file, is writable by others,
// or is owned by a user other than the effective user or root. `what` describes it in the
// message ("plugin library", "plugin manifest").
Status check_file_trust(const std::filesystem::path& file, std::string_view what);

}  // namespace sluice::plugin_host
