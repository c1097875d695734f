#include "daemons/reparo/reparo_filter.h"

#include <algorithm>
#include <cctype>

namespace sluice::reparo {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool ReparoFilter::Pattern::matches(std::string_view name) const {
  if (is_regex) return std::regex_search(name.begin(), name.end(), regex);
  return exact == lower(name);
}

Result<ReparoFilter::Pattern> ReparoFilter::compile(const std::string& name) {
  Pattern pattern;
  if (!name.starts_with('~')) {
    pattern.exact = lower(name);
    return pattern;
  }
  try {
    pattern.regex = std::regex(name.substr(1), std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error& error) {
    return Status::invalid_argument("'" + name +
                                    "' is not a valid regular expression: " + error.what());
  }
  pattern.is_regex = true;
  return pattern;
}

Result<ReparoFilter> ReparoFilter::create(const ReparoConfig& config) {
  ReparoFilter filter;
  for (const std::string& name : config.replicate_do_db) {
    SLUICE_ASSIGN_OR_RETURN(Pattern pattern, compile(name));
    filter.do_dbs_.push_back(std::move(pattern));
  }
  for (const std::string& name : config.replicate_ignore_db) {
    SLUICE_ASSIGN_OR_RETURN(Pattern pattern, compile(name));
    filter.ignore_dbs_.push_back(std::move(pattern));
  }
  for (const TableRule& rule : config.replicate_do_table) {
    SLUICE_ASSIGN_OR_RETURN(Pattern db, compile(rule.db_name));
    SLUICE_ASSIGN_OR_RETURN(Pattern table, compile(rule.tbl_name));
    filter.do_tables_.push_back({std::move(db), std::move(table)});
  }
  for (const TableRule& rule : config.replicate_ignore_table) {
    SLUICE_ASSIGN_OR_RETURN(Pattern db, compile(rule.db_name));
    SLUICE_ASSIGN_OR_RETURN(Pattern table, compile(rule.tbl_name));
    filter.ignore_tables_.push_back({std::move(db), std::move(table)});
  }
  return filter;
}

bool ReparoFilter::allows(std::string_view schema, std::string_view table) const {
  if (!do_dbs_.empty() || !do_tables_.empty()) {
    const bool by_db = std::any_of(do_dbs_.begin(), do_dbs_.end(),
                                   [&](const Pattern& db) { return db.matches(schema); });
    const bool by_table =
        std::any_of(do_tables_.begin(), do_tables_.end(), [&](const TablePattern& rule) {
          return rule.db.matches(schema) && (table.empty() || rule.table.matches(table));
        });
    if (!by_db && !by_table) return false;
  }
  if (std::any_of(ignore_dbs_.begin(), ignore_dbs_.end(),
                  [&](const Pattern& db) { return db.matches(schema); })) {
    return false;
  }
  if (!table.empty() &&
      std::any_of(ignore_tables_.begin(), ignore_tables_.end(), [&](const TablePattern& rule) {
        return rule.db.matches(schema) && rule.table.matches(table);
      })) {
    return false;
  }
  return true;
}

}  // namespace sluice::reparo
