#include "core/drainer/drainer_transaction.h"

namespace sluice::drainer {

void DrainerTransaction::build_events() {
  events.clear();
  if (ddl) {
    sluice_event_t event{};
    event.struct_size = sizeof(sluice_event_t);
    event.type = SLUICE_EVENT_DDL;
    event.schema_name = abi_str(ddl_schema);
    event.table_name = abi_str(ddl_table);
    event.ddl_query = abi_str(ddl_query);
    events.push_back(event);
    return;
  }
  events.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const decode::RowChange& row = rows[i];
    const AbiTable& table = *row_tables[i];
    sluice_event_t event{};
    event.struct_size = sizeof(sluice_event_t);
    switch (row.type) {
      case decode::ChangeType::kInsert:
        event.type = SLUICE_EVENT_INSERT;
        break;
      case decode::ChangeType::kUpdate:
        event.type = SLUICE_EVENT_UPDATE;
        break;
      case decode::ChangeType::kDelete:
        event.type = SLUICE_EVENT_DELETE;
        break;
    }
    event.schema_name = table.table.schema_name;
    event.table_name = table.table.table_name;
    event.table = &table.table;
    event.old_values = row.old_values.empty() ? nullptr : row.old_values.data();
    event.new_values = row.new_values.empty() ? nullptr : row.new_values.data();
    events.push_back(event);
  }
}

}  // namespace sluice::drainer
