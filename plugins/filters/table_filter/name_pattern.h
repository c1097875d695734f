#pragma once
// NamePattern: one schema or table name of the original drainer's table filters (pkg/filter):
// "~regex" is a case-insensitive, unanchored regular expression (RE2, the Go regexp dialect the
// original uses); anything else matches the whole name, ignoring ASCII case.
// Immutable after construction; matches() may be called from any thread.

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

namespace sluice::table_filter {

class NamePattern {
 public:
  // Throws sdk::ConfigError naming `key` when a "~" pattern is not a valid regular expression.
  NamePattern(std::string_view text, std::string_view key);

  bool matches(std::string_view name) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string lowered_;               // exact patterns: the name in ASCII lower case
  std::shared_ptr<const RE2> regex_;  // "~" patterns
};

// ASCII lower case (MySQL and TiDB compare identifiers this way for the names filters see).
std::string to_lower_ascii(std::string_view text);

}  // namespace sluice::table_filter
