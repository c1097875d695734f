#pragma once
// The event types of the binlog-filter rules (tidb-tools binlog-filter): the DML types, the DDL
// statements it names, and the group names ("all", "all dml", "none ddl", ...) an ignore-event
// list may hold. DDL events are classified from the statement text, since a filter sees the
// query, not TiDB's DDL job type. Pure functions; thread-safe.

#include <optional>
#include <string_view>

namespace sluice::table_filter {

enum class EventType {
  kNull,  // a DDL statement none of the names below covers: only ignore-sql applies to it
  kInsert,
  kUpdate,
  kDelete,
  kCreateDatabase,
  kDropDatabase,
  kCreateTable,
  kDropTable,
  kTruncateTable,
  kRenameTable,
  kCreateIndex,
  kDropIndex,
  kCreateView,
  kDropView,
  kAlterTable,
  // Only in ignore-event lists:
  kAll,
  kAllDdl,
  kAllDml,
  kNone,
  kNoneDdl,
  kNoneDml,
};

bool is_dml(EventType type);
bool is_ddl(EventType type);  // the DDL types above kAll, not kNull

// The type an ignore-event entry names, case-insensitively, with the original's aliases
// ("create schema" = "create database", "drop schema" = "drop database", "add index" =
// "create index"); "" names nothing (kNull). nullopt for an unknown name.
std::optional<EventType> parse_event_name(std::string_view name);

// The type of a DDL statement, from its leading keywords ("CREATE TABLE ...", "/* c */ drop
// database ..."); kNull for statements no event name covers (ALTER DATABASE, CREATE SEQUENCE,
// ...).
EventType classify_ddl(std::string_view query);

}  // namespace sluice::table_filter
