#include "plugins/mysql/ddl.h"

#include <mysqld_error.h>

#include <cctype>

#include "plugins/mysql/sql_render.h"

namespace sluice::mysql {

namespace {

// Skips whitespace and /* ... */ and -- / # comments (not /*! ... */ executable comments, whose
// body is code).
std::string_view skip_space_and_comments(std::string_view text) {
  while (!text.empty()) {
    if (std::isspace(static_cast<unsigned char>(text.front()))) {
      text.remove_prefix(1);
    } else if (text.starts_with("/*") && !text.starts_with("/*!")) {
      const size_t end = text.find("*/", 2);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 2);
    } else if (text.starts_with("--") || text.starts_with("#")) {
      const size_t end = text.find('\n');
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    } else {
      break;
    }
  }
  return text;
}

// Consumes `word` (case-insensitive) followed by a non-identifier character.
bool take_word(std::string_view& text, std::string_view word) {
  text = skip_space_and_comments(text);
  if (text.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  if (text.size() > word.size()) {
    const auto next = static_cast<unsigned char>(text[word.size()]);
    if (std::isalnum(next) || next == '_' || next == '$') return false;
  }
  text.remove_prefix(word.size());
  return true;
}

}  // namespace

bool is_ignorable_ddl_error(unsigned code) {
  switch (code) {
    case ER_DB_CREATE_EXISTS:
    case ER_DB_DROP_EXISTS:
    case ER_BAD_DB_ERROR:
    case ER_TABLE_EXISTS_ERROR:
    case ER_BAD_TABLE_ERROR:
    case ER_BAD_FIELD_ERROR:
    case ER_DUP_FIELDNAME:
    case ER_DUP_KEYNAME:
    case ER_NO_SUCH_TABLE:
    case ER_KEY_DOES_NOT_EXISTS:
    case ER_CANT_DROP_FIELD_OR_KEY:
      return true;
    default:
      return false;
  }
}

bool is_create_database(std::string_view query) {
  return take_word(query, "CREATE") && (take_word(query, "DATABASE") || take_word(query, "SCHEMA"));
}

sdk::Status apply_ddl(MysqlConnection& connection, std::string_view schema, std::string_view query,
                      DdlOutcome& outcome, std::string& note) {
  outcome = DdlOutcome::kApplied;
  const std::string what = "DDL on " +
                           (schema.empty() ? std::string("(no database)") : std::string(schema)) +
                           " `" + std::string(query.substr(0, 200)) + "`";
  auto run = [&](std::string_view sql) -> std::optional<sdk::Status> {
    auto error = connection.execute(sql);
    if (!error) return std::nullopt;
    if (is_ignorable_ddl_error(error->code)) {
      outcome = DdlOutcome::kIgnored;
      note = "MySQL error " + std::to_string(error->code) + ": " + error->message;
      return sdk::Status::ok();
    }
    return status_of(*error, what);
  };
  if (is_create_database(query)) {
    // The database's default when the statement names none: TiDB's, not the downstream server's
    // (latin1 on a stock MariaDB). Its tables inherit it unless they name their own.
    const std::string defaults = "SET SESSION character_set_server = '" +
                                 std::string(kUpstreamDefaultCharset) + "', collation_server = '" +
                                 std::string(kUpstreamDefaultCollation) + "'";
    if (auto error = connection.execute(defaults)) return status_of(*error, what);
  } else if (!schema.empty()) {
    // An unknown database here is ignorable too (1049): the DDL refers to a database that a
    // later (or filtered) DDL drops, as the original's `use <db>; <ddl>` would find.
    if (auto done = run("USE " + quote_identifier(schema))) return *done;
  }
  if (auto done = run(query)) return *done;
  return sdk::Status::ok();
}

}  // namespace sluice::mysql
