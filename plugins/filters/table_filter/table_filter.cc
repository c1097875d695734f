// table-filter: the original drainer's [syncer] filters as a filter plugin. The drainer hands the
// keys of an original drainer.toml's [syncer] section to this plugin's config verbatim; see
// README.md beside this file for the keys and their semantics. A row event is kept when its table
// passes TableRules and no EventRules rule ignores it; a DDL event likewise, by its schema and
// table (schema alone for database-level statements) and its statement text.
#include <sluice/sdk/plugin.h>

#include <span>

#include "plugins/filters/table_filter/event_rules.h"
#include "plugins/filters/table_filter/event_type.h"
#include "plugins/filters/table_filter/table_rules.h"

namespace sluice::table_filter {
namespace {

EventType row_event_type(sdk::EventType type) {
  switch (type) {
    case sdk::EventType::kInsert:
      return EventType::kInsert;
    case sdk::EventType::kUpdate:
      return EventType::kUpdate;
    case sdk::EventType::kDelete:
      return EventType::kDelete;
    default:
      return EventType::kNull;
  }
}

class TableFilter : public sdk::Filter {
 public:
  // Builds every rule (so every key is read and every pattern compiled) without keeping them.
  static sdk::Status validate(const sdk::Config& config) {
    TableRules tables(config);
    EventRules events(config);
    return sdk::Status::ok();
  }

  TableFilter(sdk::Host host, const sdk::Config& config)
      : tables_(config),
        events_(config),
        dropped_(
            host.counter("table_filter_dropped_events_total", "Events the table filter dropped")) {}

  sdk::Status filter(const sdk::Batch& batch, std::span<uint8_t> keep) override {
    size_t index = 0;
    size_t dropped = 0;
    for (sdk::Transaction transaction : batch.transactions()) {
      for (sdk::Event event : transaction.events()) {
        if (index >= keep.size()) return sdk::Status::fatal("keep mask shorter than the batch");
        if (!keeps(event)) {
          keep[index] = 0;
          ++dropped;
        }
        ++index;
      }
    }
    if (dropped > 0) dropped_.add(static_cast<double>(dropped));
    return sdk::Status::ok();
  }

 private:
  bool keeps(const sdk::Event& event) const {
    const std::string_view schema = event.schema_name();
    const std::string_view table = event.table_name();
    if (!tables_.passes(schema, table)) return false;
    if (events_.empty()) return true;
    if (event.type() == sdk::EventType::kDdl) {
      const std::string_view query = event.ddl_query();
      return !events_.ignores(schema, table, classify_ddl(query), query);
    }
    return !events_.ignores(schema, table, row_event_type(event.type()), {});
  }

  TableRules tables_;
  EventRules events_;
  sdk::Metric dropped_;
};

}  // namespace
}  // namespace sluice::table_filter

SLUICE_FILTER_PLUGIN(sluice::table_filter::TableFilter, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                     "The drainer's table and event filters (ignore-schemas, replicate-do-db, "
                     "ignore-table, binlog-filter-rule, ...)",
                     0)
