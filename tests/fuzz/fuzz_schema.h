#pragma once
// The small fixed schema the transaction_assembler fuzzer decodes against, shared with the seed
// generator (make_fuzz_corpus.cc) so that seeds name real tables and versions. Database "fz":
//   t_all       an integer primary key (the handle) and one column of every type; then a column
//               added with a default, so rows older than it read the default
//   t_clustered a clustered (common handle) primary key over a string and an integer
//   t_rowid     no primary key (rows keyed by _tidb_rowid), a unique key
//   t_part      hash-partitioned into p0 and p1
// Built with the producer's Catalog, which assigns ids and writes DDL jobs as TiDB does.

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/schema/table_info.h"
#include "sdk/producer/catalog.h"

namespace sluice::fuzz {

inline constexpr const char* kFuzzDatabase = "fz";

struct FuzzSchema {
  std::vector<schema::DdlJob> jobs;   // in order; each raises the schema version by one
  std::vector<int64_t> physical_ids;  // t_all, t_clustered, t_rowid, t_part p0, t_part p1
  int64_t version_before_added = 0;   // t_all without its added column
  int64_t latest_version = 0;
};

inline Result<FuzzSchema> build_fuzz_schema(producer::Catalog& catalog) {
  namespace type = schema::mysql_type;
  using producer::ColumnSpec;
  using producer::TableSpec;
  FuzzSchema out;
  auto add = [&](Result<schema::DdlJob> job) -> Status {
    SLUICE_RETURN_IF_ERROR(job.status());
    out.jobs.push_back(std::move(job).value());
    return Status::ok();
  };
  SLUICE_RETURN_IF_ERROR(add(catalog.create_database(kFuzzDatabase)));

  auto column = [](std::string name, uint8_t mysql_type, int flen = -1, int decimal = -1) {
    ColumnSpec spec;
    spec.name = std::move(name);
    spec.type = mysql_type;
    spec.flen = flen;
    spec.decimal = decimal;
    return spec;
  };
  TableSpec all;
  all.name = "t_all";
  all.columns = {column("id", type::kLonglong),
                 column("c_tiny", type::kTiny),
                 column("c_small", type::kShort),
                 column("c_medium", type::kInt24),
                 column("c_int", type::kLong),
                 column("c_big", type::kLonglong),
                 column("c_float", type::kFloat),
                 column("c_double", type::kDouble),
                 column("c_decimal", type::kNewDecimal, 12, 3),
                 column("c_date", type::kDate),
                 column("c_datetime", type::kDatetime, -1, 3),
                 column("c_timestamp", type::kTimestamp, -1, 6),
                 column("c_time", type::kDuration, -1, 2),
                 column("c_year", type::kYear),
                 column("c_varchar", type::kVarchar, 32),
                 column("c_char", type::kString, 8),
                 column("c_varbinary", type::kVarchar, 16),
                 column("c_blob", type::kBlob),
                 column("c_text", type::kBlob),
                 column("c_bit", type::kBit, 10),
                 column("c_enum", type::kEnum),
                 column("c_set", type::kSet),
                 column("c_json", type::kJson)};
  all.columns[0].primary_key = true;
  all.columns[0].not_null = true;
  all.columns[2].is_unsigned = true;  // c_small
  all.columns[4].not_null = true;     // c_int
  all.columns[4].default_value = "7";
  all.columns[5].is_unsigned = true;  // c_big
  all.columns[16].binary = true;      // c_varbinary
  all.columns[17].binary = true;      // c_blob
  all.columns[20].elems = {"a", "b", "c"};
  all.columns[21].elems = {"x", "y", "z"};
  SLUICE_RETURN_IF_ERROR(add(catalog.create_table(kFuzzDatabase, all)));

  TableSpec clustered;
  clustered.name = "t_clustered";
  {
    ColumnSpec k1 = column("k1", type::kVarchar, 16);
    k1.not_null = true;
    ColumnSpec k2 = column("k2", type::kLong);
    k2.not_null = true;
    clustered.columns = {k1, k2, column("v", type::kDouble)};
    clustered.primary_key = {"k1", "k2"};
    clustered.primary_key_kind = producer::PrimaryKeyKind::kClustered;
  }
  SLUICE_RETURN_IF_ERROR(add(catalog.create_table(kFuzzDatabase, clustered)));

  TableSpec rowid;
  rowid.name = "t_rowid";
  {
    rowid.columns = {column("a", type::kLong), column("b", type::kVarchar, 10)};
    rowid.unique_keys = {{"a_uk", {"a"}}};
  }
  SLUICE_RETURN_IF_ERROR(add(catalog.create_table(kFuzzDatabase, rowid)));

  TableSpec part;
  part.name = "t_part";
  {
    ColumnSpec id = column("id", type::kLong);
    id.primary_key = true;
    id.not_null = true;
    part.columns = {id, column("v", type::kVarchar, 10)};
    part.partitions = {"p0", "p1"};
    part.partition_by = "HASH(`id`)";
  }
  SLUICE_RETURN_IF_ERROR(add(catalog.create_table(kFuzzDatabase, part)));
  out.version_before_added = catalog.schema_version();

  SLUICE_RETURN_IF_ERROR(add(
      catalog.add_column(kFuzzDatabase, "t_all", column("c_added", type::kVarchar, 8), "dflt")));
  out.latest_version = catalog.schema_version();

  for (const char* name : {"t_all", "t_clustered", "t_rowid"}) {
    SLUICE_ASSIGN_OR_RETURN(producer::TableRef table, catalog.find_table(kFuzzDatabase, name));
    out.physical_ids.push_back(table.info->id);
  }
  SLUICE_ASSIGN_OR_RETURN(producer::TableRef partitioned,
                          catalog.find_table(kFuzzDatabase, "t_part"));
  if (partitioned.info->partitions.size() != 2) return Status::internal("t_part: 2 partitions");
  for (const schema::PartitionDefinition& definition : partitioned.info->partitions)
    out.physical_ids.push_back(definition.id);
  return out;
}

}  // namespace sluice::fuzz
