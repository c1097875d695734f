#include "plugins/filters/table_filter/name_pattern.h"

#include <sluice/sdk/plugin.h>

namespace sluice::table_filter {

std::string to_lower_ascii(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lowered;
}

NamePattern::NamePattern(std::string_view text, std::string_view key) : text_(text) {
  if (!text.empty() && text.front() == '~') {
    RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    auto regex = std::make_shared<RE2>(re2::StringPiece(text.data() + 1, text.size() - 1), options);
    if (!regex->ok()) {
      throw sdk::ConfigError("key '" + std::string(key) + "': bad regular expression '" +
                             std::string(text.substr(1)) + "': " + regex->error());
    }
    regex_ = std::move(regex);
  } else {
    lowered_ = to_lower_ascii(text);
  }
}

bool NamePattern::matches(std::string_view name) const {
  if (regex_) return RE2::PartialMatch(re2::StringPiece(name.data(), name.size()), *regex_);
  if (name.size() != lowered_.size()) return false;
  return to_lower_ascii(name) == lowered_;
}

}  // namespace sluice::table_filter
