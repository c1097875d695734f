#pragma once
// Typed readers for the settings daemons share, on top of ConfigSection, with the original's
// conventions: a bare number of seconds or a Go-style duration string ("200ms", "3s", "1h30m"),
// positive whole seconds, and byte sizes ("10 gib", 512000). An absent key leaves `out` as it is
// (the default) but counts as known; errors name the file, the line and the key.

#include <chrono>
#include <cstdint>

#include "core/common/status.h"
#include "core/config/config_document.h"

namespace sluice::config {

// A number (seconds, fractions allowed) or a duration string; must be positive.
Status read_duration(ConfigSection& section, const char* key, std::chrono::milliseconds& out);
// A positive integer number of seconds.
Status read_positive_seconds(ConfigSection& section, const char* key, std::chrono::seconds& out);
// An integer number of bytes or a size string ("512 MiB").
Status read_byte_size(ConfigSection& section, const char* key, uint64_t& out);

}  // namespace sluice::config
