#pragma once
// DDL apply as the original loader does it (facts §6): `USE <db>` then the statement (no USE for
// CREATE DATABASE/SCHEMA), with the errors that mean "already done" ignored, so a DDL replayed
// after a restart or a lost connection is harmless. Thread-compatible: one connection, one thread.
//
// Character sets: DDL is replayed as written, and a CREATE DATABASE that names no character set
// takes the server's default, which on a stock MariaDB is latin1 (non-Latin text then refused or
// mangled). The upstream's default is TiDB's, utf8mb4 / utf8mb4_bin, so apply_ddl sets the
// session's character_set_server / collation_server to it before a CREATE DATABASE; a CREATE
// TABLE without one takes its database's, as in TiDB. Neither the plugin ABI's DDL event nor the
// pb / secondary binlog carries the upstream's DbInfo/TableInfo, so TiDB's default is all any
// caller knows; a statement that names a character set or collation keeps it.

#include <sluice/sdk/plugin.h>

#include <string>
#include <string_view>

#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

// The original's IgnoreDDLError list, as MariaDB numbers them: database exists (1007), drop of a
// missing database (1008), unknown database (1049), table exists (1050), unknown table on drop
// (1051), unknown column (1054), duplicate column (1060), duplicate key name (1061), no such table
// (1146), key does not exist (1176), can't drop field or key (1091).
bool is_ignorable_ddl_error(unsigned code);

// True for CREATE DATABASE / CREATE SCHEMA (leading spaces and comments skipped, any case).
bool is_create_database(std::string_view query);

// TiDB's server defaults (its mysql.DefaultCharset / DefaultCollationName).
inline constexpr std::string_view kUpstreamDefaultCharset = "utf8mb4";
inline constexpr std::string_view kUpstreamDefaultCollation = "utf8mb4_bin";

enum class DdlOutcome { kApplied, kIgnored };

// Runs `query` on `connection` with `schema` as default database (a CREATE DATABASE with the
// session's server character set and collation set to TiDB's defaults first; the session keeps
// them). On an ignorable error returns kIgnored and puts the server's message into `note`. Other
// errors come back as status_of().
sdk::Status apply_ddl(MysqlConnection& connection, std::string_view schema, std::string_view query,
                      DdlOutcome& outcome, std::string& note);

}  // namespace sluice::mysql
