#pragma once
// The secondary binlog encoding of one transaction: a marshalled `slave.binlog.Binlog`
// (core/proto/secondary_binlog.proto), the message the original drainer's Kafka output carries and
// the TiDB "binlog slave" driver reads. Written by hand on the protobuf wire format, byte for byte
// as the original's gogo-generated marshaller writes it, so that plugins carry no libprotobuf (a
// second registration of the same .proto in a process aborts it).
//
// What is written (facts: tidb-binlog-facts.md section 3):
// - Binlog: type (always, DML = 0 / DDL = 1), commit_ts (always), then dml_data or ddl_data;
//   time_zone is never set, as the original never sets it.
// - DML: one Table per run of consecutive row events on the same table (the decoder delivers a
//   TiDB TableMutation's rows together, so this is the original's one Table per TableMutation);
//   column_info lists every column in table order with name, mysql_type (the column's type name,
//   "varbinary"/"blob" for binary strings), is_primary_key, flen and decimal always written;
//   unique_keys lists the ABI keys (primary first) by column name.
// - Mutations: Insert row = new; Delete row = old; Update row = NEW, change_row = OLD.
// - Column values by mysql_type: date/datetime/time/timestamp/year, decimal, char/varchar/text
//   kinds and unknown types -> string_value; integer types -> uint64_value when UNSIGNED, else
//   int64_value; float/double -> double_value; enum/set -> uint64_value; bit -> bytes_value
//   (big-endian, (flen+7)/8 bytes); binary/varbinary/blob kinds and json -> bytes_value;
//   NULL -> is_null = true only.
// - DDL: type = DDL, commit_ts, ddl_data {schema_name, table_name, ddl_query} of the first DDL
//   event.
//
// Pure functions; thread-safe. Views passed in are only read during the call.

#include <sluice/sdk/plugin.h>

#include <string>

namespace sluice::translators {

// Appends the marshalled slave.binlog.Binlog of `transaction` to `out`.
void append_secondary_binlog(const sdk::Transaction& transaction, std::string& out);

}  // namespace sluice::translators
