#include "plugins/filters/table_filter/wildcard_pattern.h"

#include <sluice/sdk/plugin.h>

#include "plugins/filters/table_filter/name_pattern.h"

namespace sluice::table_filter {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

WildcardPattern::WildcardPattern(std::string_view text, bool case_sensitive, std::string_view key)
    : text_(text), case_sensitive_(case_sensitive) {
  if (text.empty()) throw sdk::ConfigError("key '" + std::string(key) + "' must not be empty");
  const std::string pattern = case_sensitive ? std::string(text) : to_lower_ascii(text);
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*') {
      if (i + 1 != pattern.size()) {
        throw sdk::ConfigError("key '" + std::string(key) + "': pattern '" + std::string(text) +
                               "' has a '*' before its end (a '*' may only end a pattern)");
      }
      trailing_star_ = true;
      break;
    }
    Step step;
    if (c == '?') {
      step.kind = Step::Kind::kAny;
    } else if (c == '[' && pattern.find(']', i + 1) != std::string::npos) {
      // As the original's selector: "[!...]" negates, "a-z" is a range, "[!]" is the set {'!'}.
      const size_t close = pattern.find(']', i + 1);
      size_t at = i + 1;
      step.kind = Step::Kind::kSet;
      if (at < close && pattern[at] == '!') {
        step.negated = true;
        ++at;
      }
      for (; at < close; ++at) {
        const auto first = static_cast<unsigned char>(pattern[at]);
        if (at + 2 < close && pattern[at + 1] == '-') {
          step.ranges.push_back({first, static_cast<unsigned char>(pattern[at + 2])});
          at += 2;
        } else {
          step.ranges.push_back({first, first});
        }
      }
      if (step.ranges.empty()) {
        step.negated = false;
        step.ranges.push_back({'!', '!'});
      }
      i = close;
    } else {
      step.literal = c;  // an unclosed '[' is a literal, as in the original
    }
    steps_.push_back(std::move(step));
  }
}

bool WildcardPattern::step_matches(const Step& step, char c) const {
  switch (step.kind) {
    case Step::Kind::kAny:
      return true;
    case Step::Kind::kLiteral:
      return step.literal == c;
    case Step::Kind::kSet:
      for (const Range& range : step.ranges) {
        const auto byte = static_cast<unsigned char>(c);
        if (range.first <= byte && byte <= range.last) return !step.negated;
      }
      return step.negated;
  }
  return false;
}

bool WildcardPattern::matches(std::string_view name) const {
  if (name.size() < steps_.size()) return false;
  if (!trailing_star_ && name.size() != steps_.size()) return false;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const char c = case_sensitive_ ? name[i] : lower(name[i]);
    if (!step_matches(steps_[i], c)) return false;
  }
  return true;
}

}  // namespace sluice::table_filter
