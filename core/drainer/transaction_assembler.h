#pragma once
// TransactionAssembler: turns one merged binlog (a pump's joined C-binlog) into a
// DrainerTransaction for the sinks, keeping the schema tracker current (facts §6 "Syncer"):
//   - a DDL binlog: its job (in-band field 100, else the DdlJobSource) is applied to the tracker
//     and the statement becomes a one-event DDL transaction; a DDL whose job the tracker applied
//     already (a replay after restart) is still delivered, since the sinks may not have it;
//   - a DML binlog: every mutation is decoded with the layout valid at its schema version;
//   - skipped, with the reason: fake binlogs, commit_ts listed in ignore-txn-commit-ts, DDL
//     statements starting with "select setval", unfinished or failed DDL jobs, empty mutations.
// Malformed bytes and tables the schema does not know are errors naming the commit_ts and the
// cause: the drainer stops rather than skip data. Owns the decoder; borrows the tracker and the
// job source, which must outlive it. Not thread-safe: the syncer thread owns it.

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/decode/mutation_decoder.h"
#include "core/drainer/abi_table.h"
#include "core/drainer/ddl_job_source.h"
#include "core/drainer/drainer_transaction.h"
#include "core/schema/schema_tracker.h"

namespace sluice::drainer {

struct Assembled {
  std::unique_ptr<DrainerTransaction> transaction;  // null: skipped
  std::string skip_reason;                          // why, when skipped
  bool schema_changed = false;                      // a DDL job was applied to the tracker
};

class TransactionAssembler {
 public:
  TransactionAssembler(schema::SchemaTracker& tracker, DdlJobSource* job_source,
                       std::set<int64_t> ignored_commit_ts = {})
      : tracker_(tracker),
        job_source_(job_source),
        ignored_(std::move(ignored_commit_ts)),
        decoder_(tracker) {}

  // `payload` is a serialized binlog.Binlog; `source` names the pump, for messages.
  Result<Assembled> assemble(std::string_view payload, std::string_view source);

  // Forgets cached layouts (after the tracker was replaced).
  void reset_caches();

 private:
  Result<Assembled> assemble_ddl(const binlog::Binlog& binlog, std::string_view source);
  Result<Assembled> assemble_dml(const binlog::Binlog& binlog, size_t payload_bytes,
                                 std::string_view source);

  schema::SchemaTracker& tracker_;
  DdlJobSource* job_source_;
  std::set<int64_t> ignored_;
  decode::MutationDecoder decoder_;
  AbiTableCache tables_;
};

// True when `query` starts with "select setval" (any case, leading blanks ignored): TiDB logs
// sequence value changes as DDL binlogs the original drainer skips.
bool is_sequence_setval(std::string_view query);

}  // namespace sluice::drainer
