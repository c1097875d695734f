#pragma once
// TransactionBuilder: collects one transaction's row changes and encodes them exactly as TiDB's
// binlog path does (tidb-binlog-facts.md §2), into a binlog::PrewriteValue:
// - one TableMutation per physical table (partition) touched, in first-touch order, its
//   `sequence` listing the changes in the order they were made;
// - inserted row = handle datum(s) ++ old-format row without the columns TiDB skips (the integer
//   primary key of a pk_is_handle table, clustered key columns kept in the handle, NULLs of
//   columns without a default);
// - updated row = old row ++ new row over every column, plus column -1 carrying the row id for
//   tables without an integer or clustered handle; a change of the handle itself is written as a
//   delete and an insert, as TiDB's UPDATE does;
// - deleted row = the full row, plus column -1 for tables without an integer or clustered handle.
// Tables without an integer handle get row ids from the catalog's per-table counter (TiDB's
// _tidb_rowid); updates and deletes find the id of a row inserted through the same catalog by its
// primary/unique key (else by all its values), or take it from RowOptions::handle.
//
// Columns a row leaves out take their default (NULL for nullable columns without one); in an
// update, columns the new row leaves out keep their old value. Unknown columns and values the
// column's type does not take fail with InvalidArgument naming the table and the column; a
// failed call leaves the transaction as it was.
//
// Borrows the catalog, which must outlive the builder. Not thread-safe: one builder per
// transaction and thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec/datum.h"
#include "core/common/result.h"
#include "core/proto/binlog.pb.h"
#include "sdk/producer/catalog.h"
#include "sdk/producer/value.h"

namespace sluice::producer {

struct RowOptions {
  // The partition the row lives in; required for partitioned tables, refused for others.
  std::string partition;
  // The row id (_tidb_rowid) of a table without an integer handle: for an insert it replaces the
  // allocated one, for an update or delete it names the row.
  std::optional<int64_t> handle;
};

class TransactionBuilder {
 public:
  // The transaction's schema version is the catalog's at construction, as a TiDB transaction
  // uses the schema of its start.
  explicit TransactionBuilder(Catalog& catalog);

  // Returns the row's int handle: the primary key of a pk_is_handle table, the row id of a table
  // without an integer handle, 0 for a clustered table.
  Result<int64_t> insert(std::string_view db, std::string_view table, const Row& row,
                         const RowOptions& options = {});
  Status update(std::string_view db, std::string_view table, const Row& old_row, const Row& new_row,
                const RowOptions& options = {});
  Status erase(std::string_view db, std::string_view table, const Row& row,
               const RowOptions& options = {});

  bool empty() const { return value_.mutations_size() == 0; }
  int64_t schema_version() const { return value_.schema_version(); }
  const binlog::PrewriteValue& prewrite_value() const { return value_; }
  // The TiKV record key of the first row changed ('t' + table id + "_r" + handle), which TiDB
  // makes the transaction's primary key; empty while nothing was changed.
  const std::string& primary_key() const { return primary_key_; }

 private:
  struct Target;  // a resolved table: layout, physical id, names

  Result<Target> resolve(std::string_view db, std::string_view table,
                         const RowOptions& options) const;
  // One datum per column of the table (in column order): `row`'s values, else `base`'s (when
  // given), else the column default.
  Result<std::vector<codec::Datum>> datums_of(const Target& target, const Row& row,
                                              const std::vector<codec::Datum>* base) const;
  std::vector<codec::Datum> handle_datums(const Target& target,
                                          const std::vector<codec::Datum>& row) const;
  std::string row_key(const Target& target, const std::vector<codec::Datum>& row) const;
  Result<int64_t> existing_row_id(const Target& target, const std::vector<codec::Datum>& row,
                                  const RowOptions& options) const;

  Result<std::string> encode_insert(const Target& target, const std::vector<codec::Datum>& row,
                                    const std::vector<codec::Datum>& handle) const;
  Result<std::string> encode_update(const Target& target, const std::vector<codec::Datum>& old_row,
                                    const std::vector<codec::Datum>& new_row, int64_t row_id) const;
  Result<std::string> encode_delete(const Target& target, const std::vector<codec::Datum>& row,
                                    int64_t row_id) const;

  void append(const Target& target, binlog::MutationType type, std::string bytes,
              const std::vector<codec::Datum>& handle);

  Catalog& catalog_;
  binlog::PrewriteValue value_;
  std::map<int64_t, int> mutation_index_;  // physical table id -> index in value_.mutations
  std::string primary_key_;
};

}  // namespace sluice::producer
