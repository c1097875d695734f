#include "plugins/filters/table_filter/event_rules.h"

#include <map>

namespace sluice::table_filter {

EventRules::EventRules(const sdk::Config& config)
    : case_sensitive_(config.bool_or("case-sensitive", false)) {
  if (config.has("binlog-filter-rule") &&
      config.type("binlog-filter-rule") != SLUICE_CONFIG_TABLE) {
    throw sdk::ConfigError(
        "key 'binlog-filter-rule' must be a table of named rules ([binlog-filter-rule.<name>])");
  }
  std::map<std::string, std::shared_ptr<const Rule>> rules;  // by name, read once
  const size_t count = config.get_array_size("table-migrate-rule").value_or(0);
  for (size_t i = 0; i < count; ++i) {
    const std::string entry = sdk::Config::index_key("table-migrate-rule", i);
    if (config.type(entry) != SLUICE_CONFIG_TABLE) {
      throw sdk::ConfigError("key '" + entry + "' must be a table");
    }
    if (config.type(entry + ".source") != SLUICE_CONFIG_TABLE) {
      throw sdk::ConfigError("key '" + entry +
                             ".source' must be a table {schema = \"...\", table = \"...\"}");
    }
    const std::string schema_key = entry + ".source.schema";
    const std::string table_key = entry + ".source.table";
    WildcardPattern schema(config.require_string(schema_key), case_sensitive_, schema_key);
    std::optional<WildcardPattern> table;
    if (std::string text = config.string_or(table_key, ""); !text.empty()) {
      table.emplace(text, case_sensitive_, table_key);
    }
    const std::string names_key = entry + ".binlog-filter-rule";
    std::vector<std::shared_ptr<const Rule>> bound;
    const std::vector<std::string> names =
        config.get_strings(names_key).value_or(std::vector<std::string>{});
    for (size_t n = 0; n < names.size(); ++n) {
      const std::string& name = names[n];
      auto found = rules.find(name);
      if (found == rules.end()) {
        found = rules.emplace(name, read_rule(config, name, sdk::Config::index_key(names_key, n)))
                    .first;
      }
      bound.push_back(found->second);
    }
    if (!bound.empty())
      bindings_.push_back({std::move(schema), std::move(table), std::move(bound)});
  }
}

std::shared_ptr<const EventRules::Rule> EventRules::read_rule(const sdk::Config& config,
                                                              const std::string& name,
                                                              const std::string& used_at) {
  if (name.empty() || name.find_first_of(".[]") != std::string::npos) {
    throw sdk::ConfigError("key '" + used_at + "': rule name '" + name +
                           "' cannot be looked up (it must be non-empty, without '.', '[' or ']')");
  }
  const std::string key = "binlog-filter-rule." + name;
  if (config.type(key) != SLUICE_CONFIG_TABLE) {
    throw sdk::ConfigError("key '" + used_at + "': event filter rule '" + name +
                           "' not found (no table [binlog-filter-rule." + name + "])");
  }
  auto rule = std::make_shared<Rule>();
  rule->name = name;
  const std::string events_key = key + ".ignore-event";
  const std::vector<std::string> events =
      config.get_strings(events_key).value_or(std::vector<std::string>{});
  for (size_t i = 0; i < events.size(); ++i) {
    const std::optional<EventType> type = parse_event_name(events[i]);
    if (!type) {
      throw sdk::ConfigError("key '" + sdk::Config::index_key(events_key, i) +
                             "': unknown event type '" + events[i] +
                             "' (known: all, all dml, all ddl, none, none dml, none ddl, insert, "
                             "update, delete, create database, drop database, create table, "
                             "drop table, truncate table, rename table, create index, drop index, "
                             "create view, drop view, alter table)");
    }
    rule->events.push_back(*type);
  }
  const std::string sql_key = key + ".ignore-sql";
  const std::vector<std::string> patterns =
      config.get_strings(sql_key).value_or(std::vector<std::string>{});
  RE2::Options options;
  options.set_case_sensitive(false);  // the original compiles "(?i)" + the patterns
  options.set_log_errors(false);
  for (size_t i = 0; i < patterns.size(); ++i) {
    auto regex = std::make_shared<RE2>(patterns[i], options);
    if (!regex->ok()) {
      throw sdk::ConfigError("key '" + sdk::Config::index_key(sql_key, i) +
                             "': bad regular expression '" + patterns[i] + "': " + regex->error());
    }
    rule->sql.push_back(std::move(regex));
  }
  return rule;
}

// The original's matchEvent: the first entry that decides wins, so ["none", "insert"] lists
// nothing while ["insert", "none"] lists insert.
bool EventRules::lists(const Rule& rule, EventType type) {
  for (const EventType entry : rule.events) {
    if (entry == EventType::kAll) return true;
    if (entry == EventType::kNone) return false;
    if (is_ddl(type)) {
      if (entry == EventType::kAllDdl) return true;
      if (entry == EventType::kNoneDdl) return false;
    }
    if (is_dml(type)) {
      if (entry == EventType::kAllDml) return true;
      if (entry == EventType::kNoneDml) return false;
    }
    if (entry == type) return true;
  }
  return false;
}

bool EventRules::ignores(std::string_view schema, std::string_view table, EventType type,
                         std::string_view query) const {
  for (const Binding& binding : bindings_) {  // the patterns fold case themselves
    if (!binding.schema.matches(schema)) continue;
    if (binding.table && !binding.table->matches(table)) continue;
    for (const auto& rule : binding.rules) {
      if (type != EventType::kNull && lists(*rule, type)) return true;
      if (!query.empty()) {
        const re2::StringPiece text(query.data(), query.size());
        for (const auto& regex : rule->sql) {
          if (RE2::PartialMatch(text, *regex)) return true;
        }
      }
    }
  }
  return false;
}

}  // namespace sluice::table_filter
