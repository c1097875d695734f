#pragma once
// WildcardPattern: a schema or table pattern of the binlog-filter rules (tidb-tools'
// table-rule-selector): '*' matches zero or more characters and may only end the pattern, '?'
// matches one character, "[a-z_]" / "[!0-9]" match one character of (not of) a set; every other
// character matches itself. With case_sensitive false, pattern and name compare in ASCII lower
// case. Immutable after construction; thread-safe.

#include <string>
#include <string_view>
#include <vector>

namespace sluice::table_filter {

class WildcardPattern {
 public:
  // Throws sdk::ConfigError naming `key` for an empty pattern or a '*' before the end.
  WildcardPattern(std::string_view text, bool case_sensitive, std::string_view key);

  bool matches(std::string_view name) const;
  const std::string& text() const { return text_; }

 private:
  struct Range {
    unsigned char first;
    unsigned char last;
  };
  struct Step {  // one character of the name
    enum class Kind { kLiteral, kAny, kSet } kind = Kind::kLiteral;
    char literal = 0;
    bool negated = false;
    std::vector<Range> ranges;
  };

  bool step_matches(const Step& step, char c) const;

  std::string text_;
  bool case_sensitive_;
  std::vector<Step> steps_;
  bool trailing_star_ = false;
};

}  // namespace sluice::table_filter
