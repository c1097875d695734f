#include "plugins/filters/table_filter/event_type.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "plugins/filters/table_filter/name_pattern.h"

namespace sluice::table_filter {
namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// The first `limit` words of a statement, lower-cased; comments are skipped and quoted text
// (strings, `identifiers`) becomes one placeholder word "?" so it never reads as a keyword.
std::vector<std::string> leading_words(std::string_view query, size_t limit) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < query.size() && words.size() < limit) {
    const char c = query[i];
    if (query.substr(i, 2) == "/*") {
      const size_t end = query.find("*/", i + 2);
      i = end == std::string_view::npos ? query.size() : end + 2;
    } else if (c == '#' || query.substr(i, 3) == "-- ") {
      const size_t end = query.find('\n', i);
      i = end == std::string_view::npos ? query.size() : end + 1;
    } else if (c == '\'' || c == '"' || c == '`') {
      size_t end = i + 1;
      while (end < query.size() && query[end] != c) {
        end += query[end] == '\\' && c != '`' ? 2 : 1;
      }
      i = end + 1;
      words.emplace_back("?");
    } else if (is_word_char(c)) {
      size_t end = i;
      while (end < query.size() && is_word_char(query[end]))
        ++end;
      words.push_back(to_lower_ascii(query.substr(i, end - i)));
      i = end;
    } else {
      ++i;
    }
  }
  return words;
}

// Classifies "CREATE ...": the object keyword may follow modifiers (OR REPLACE, TEMPORARY, UNIQUE,
// ALGORITHM = x, DEFINER = user, SQL SECURITY x, ...), so look for it among the next words and
// stop at a keyword that makes the statement something else.
EventType classify_create(const std::vector<std::string>& words) {
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "database" || word == "schema") return EventType::kCreateDatabase;
    if (word == "table") return EventType::kCreateTable;
    if (word == "index") return EventType::kCreateIndex;
    if (word == "view") return EventType::kCreateView;
    if (word == "sequence" || word == "user" || word == "role" || word == "procedure" ||
        word == "function" || word == "trigger" || word == "event" || word == "tablespace" ||
        word == "placement" || word == "resource" || word == "server" || word == "on") {
      return EventType::kNull;
    }
  }
  return EventType::kNull;
}

}  // namespace

bool is_dml(EventType type) {
  return type == EventType::kInsert || type == EventType::kUpdate || type == EventType::kDelete;
}

bool is_ddl(EventType type) {
  return type >= EventType::kCreateDatabase && type <= EventType::kAlterTable;
}

std::optional<EventType> parse_event_name(std::string_view name) {
  static const std::array<std::pair<std::string_view, EventType>, 24> kNames = {{
      {"", EventType::kNull},
      {"all", EventType::kAll},
      {"all ddl", EventType::kAllDdl},
      {"all dml", EventType::kAllDml},
      {"none", EventType::kNone},
      {"none ddl", EventType::kNoneDdl},
      {"none dml", EventType::kNoneDml},
      {"insert", EventType::kInsert},
      {"update", EventType::kUpdate},
      {"delete", EventType::kDelete},
      {"create database", EventType::kCreateDatabase},
      {"drop database", EventType::kDropDatabase},
      {"create table", EventType::kCreateTable},
      {"drop table", EventType::kDropTable},
      {"truncate table", EventType::kTruncateTable},
      {"rename table", EventType::kRenameTable},
      {"create index", EventType::kCreateIndex},
      {"drop index", EventType::kDropIndex},
      {"create view", EventType::kCreateView},
      {"drop view", EventType::kDropView},
      {"alter table", EventType::kAlterTable},
      {"create schema", EventType::kCreateDatabase},
      {"drop schema", EventType::kDropDatabase},
      {"add index", EventType::kCreateIndex},
  }};
  const std::string lowered = to_lower_ascii(name);
  for (const auto& [text, type] : kNames) {
    if (lowered == text) return type;
  }
  return std::nullopt;
}

EventType classify_ddl(std::string_view query) {
  const std::vector<std::string> words = leading_words(query, 16);
  if (words.empty()) return EventType::kNull;
  const std::string& verb = words[0];
  size_t next = 1;
  auto object = [&]() -> std::string_view {
    return next < words.size() ? std::string_view(words[next]) : std::string_view();
  };
  if (verb == "create") return classify_create(words);
  if (verb == "drop") {
    if (object() == "temporary") ++next;
    if (object() == "database" || object() == "schema") return EventType::kDropDatabase;
    if (object() == "table" || object() == "tables") return EventType::kDropTable;
    if (object() == "index") return EventType::kDropIndex;
    if (object() == "view") return EventType::kDropView;
    return EventType::kNull;
  }
  if (verb == "truncate") return EventType::kTruncateTable;
  if (verb == "rename") {
    return object() == "table" || object() == "tables" ? EventType::kRenameTable : EventType::kNull;
  }
  if (verb == "alter") {
    while (object() == "online" || object() == "offline" || object() == "ignore")
      ++next;
    return object() == "table" ? EventType::kAlterTable : EventType::kNull;
  }
  return EventType::kNull;
}

}  // namespace sluice::table_filter
