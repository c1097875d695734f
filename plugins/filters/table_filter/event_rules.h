#pragma once
// EventRules: the original drainer's v2 event filter (tidb-tools binlog-filter, action Ignore),
// from the [syncer] keys
//   case-sensitive = false
//   [binlog-filter-rule.<name>]  ignore-event = ["insert", "truncate table", "all ddl", ...]
//                                ignore-sql   = ["^DROP\\s+TABLE", ...]   (RE2, case-insensitive)
//   [[table-migrate-rule]]       source = {schema = "db*", table = "t?"}  (WildcardPatterns)
//                                binlog-filter-rule = ["<name>", ...]
// A table-migrate-rule binds the named rules to the tables its source matches (no table: every
// table of the matching schemas, and their database-level statements). An event is ignored when a
// bound rule lists its type, or, for DDL, when one of the rule's ignore-sql expressions is found
// in the statement. Rules no table-migrate-rule names are never read (the host warns about them
// as unread keys). Immutable after construction; ignores() is thread-safe.

#include <re2/re2.h>
#include <sluice/sdk/plugin.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/filters/table_filter/event_type.h"
#include "plugins/filters/table_filter/wildcard_pattern.h"

namespace sluice::table_filter {

class EventRules {
 public:
  // Reads and checks the keys above; throws sdk::ConfigError naming the key at fault.
  explicit EventRules(const sdk::Config& config);

  bool empty() const { return bindings_.empty(); }
  // `query` is the DDL statement (empty for row events).
  bool ignores(std::string_view schema, std::string_view table, EventType type,
               std::string_view query) const;

 private:
  struct Rule {
    std::string name;
    std::vector<EventType> events;  // in order: "none" before a type hides it, as in the original
    std::vector<std::shared_ptr<const RE2>> sql;
  };
  struct Binding {
    WildcardPattern schema;
    std::optional<WildcardPattern> table;  // nullopt: every table of the schema
    std::vector<std::shared_ptr<const Rule>> rules;
  };

  static std::shared_ptr<const Rule> read_rule(const sdk::Config& config, const std::string& name,
                                               const std::string& used_at);
  static bool lists(const Rule& rule, EventType type);

  bool case_sensitive_ = false;
  std::vector<Binding> bindings_;
};

}  // namespace sluice::table_filter
