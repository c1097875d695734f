#pragma once
// Where Reparo's decoded binlogs go (dest-type): PrintApplier writes one readable line per event
// to a stream; MemoryApplier only counts (the original's "memory" keeps binlogs in memory for its
// tests; Sluice counts them); MysqlApplier replays into MySQL/MariaDB through the mysql sink's
// loader (plugins/mysql: DmlApplier for rows, apply_ddl for DDL, one DDL at a time after every
// earlier row is committed), with safe mode (REPLACE, DELETE + REPLACE) when configured.
// An applier is owned and called by one thread; finish() commits what is still buffered.

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "daemons/reparo/pb_binlog_decoding.h"
#include "daemons/reparo/reparo_config.h"
#include "plugins/mysql/dml_applier.h"

namespace sluice::reparo {

class ReparoApplier {
 public:
  virtual ~ReparoApplier() = default;
  // One binlog (already filtered: only the events to replay).
  virtual Status apply(const DecodedBinlog& binlog) = 0;
  // Commits everything buffered.
  virtual Status finish() = 0;
};

// "<commit_ts> INSERT `db`.`t` id=1, name='x'" / "UPDATE ... name='x' => 'y'" / "DELETE ..." /
// "<commit_ts> DDL `db`: <query>". Strings are quoted with \-escapes; bytes of binary columns
// (type names with "binary" or "blob") and bytes that are not printable UTF-8 as X'..'.
std::string format_event(int64_t commit_ts, const DecodedEvent& event);
std::string format_ddl(const DecodedBinlog& binlog);

class PrintApplier : public ReparoApplier {
 public:
  explicit PrintApplier(std::ostream& out) : out_(out) {}
  Status apply(const DecodedBinlog& binlog) override;
  Status finish() override;

 private:
  std::ostream& out_;
};

class MemoryApplier : public ReparoApplier {
 public:
  Status apply(const DecodedBinlog& binlog) override;
  Status finish() override { return Status::ok(); }
  uint64_t binlogs() const { return binlogs_; }
  uint64_t events() const { return events_; }

 private:
  uint64_t binlogs_ = 0;
  uint64_t events_ = 0;
};

class MysqlApplier : public ReparoApplier {
 public:
  explicit MysqlApplier(const ReparoConfig& config);
  ~MysqlApplier() override;
  Status apply(const DecodedBinlog& binlog) override;
  Status finish() override;

  uint64_t applied_dmls() const { return applier_.applied_dmls(); }
  uint64_t applied_ddls() const { return applied_ddls_; }

 private:
  struct UniqueKey {
    std::string name;
    bool primary = false;
    std::vector<std::string> columns;
  };
  Status apply_dml(const DecodedBinlog& binlog);
  Status apply_ddl(const DecodedBinlog& binlog);
  // Commits everything buffered, retrying transient failures.
  Status flush();
  // The loader's layout for the columns an event carries, with the unique keys the downstream
  // table has (pb_binlog carries no keys; the loader needs them for WHERE and causality).
  Result<std::shared_ptr<const mysql::TableInfo>> table_info(const DecodedEvent& event);
  Result<std::vector<UniqueKey>> downstream_keys(const std::string& schema,
                                                 const std::string& table);

  bool safe_mode_;
  size_t flush_threshold_;
  mysql::DmlApplier applier_;
  // Both caches are dropped after every DDL.
  std::map<std::string, std::shared_ptr<const mysql::TableInfo>> layouts_;
  std::map<std::string, std::vector<UniqueKey>> keys_;
  uint64_t applied_ddls_ = 0;
};

// The applier for config.dest_type; print goes to `print_out`.
std::unique_ptr<ReparoApplier> make_applier(const ReparoConfig& config, std::ostream& print_out);

}  // namespace sluice::reparo
