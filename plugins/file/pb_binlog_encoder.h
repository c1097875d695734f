#pragma once
// The pb_binlog encoding of one transaction: the payload of each record in the original drainer's
// file output (tidb-binlog `proto/pb_binlog.proto`, see core/proto/pb_binlog.proto), written by
// hand on the protobuf wire format so that plugins carry no libprotobuf (a second registration of
// pb_binlog.proto in a process that already has it aborts the process).
//
// Column values use TiDB's datum value encoding (codec.EncodeValue), as the original's
// `formatData` leaves them: NULL -> 0x00; INT64 -> 0x08 zigzag varint; UINT64 (unsigned, ENUM,
// SET, BIT) -> 0x09 uvarint; DOUBLE -> 0x05 + 8 bytes big-endian comparable float; BYTES (strings,
// blobs, and DECIMAL/DATE/TIME/JSON as text) -> 0x02 zigzag varint length + bytes.
// Insert: value = new. Delete: value = old. Update: value = OLD, changed_value = NEW.
// DDL: ddl_query = "use `<schema>`; <query>;" or "<query>;" for CREATE DATABASE / no schema.
// Generated columns are left out, as the original drainer leaves them out.
//
// Pure functions; thread-safe. Views passed in are only read during the call.

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::file {

// Appends the marshalled pb_binlog.Binlog of `transaction` to `out`. A transaction with a DDL
// event becomes a DDL binlog (its first DDL event); otherwise a DML binlog with one Event per row
// event.
void append_pb_binlog(const sdk::Transaction& transaction, std::string& out);

// Appends the datum value encoding of `value` (see above).
void append_datum_value(const sdk::Value& value, std::string& out);

// The ddl_query text the original writes for `query` run in `schema`.
std::string pb_binlog_ddl_query(std::string_view schema, std::string_view query);

// True when `query` is a CREATE DATABASE / CREATE SCHEMA statement (leading blanks and /* */
// comments skipped, case-insensitive).
bool is_create_database(std::string_view query);

}  // namespace sluice::file
