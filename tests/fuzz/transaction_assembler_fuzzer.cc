// libFuzzer target: the drainer's TransactionAssembler on the binlogs pumps stream, decoding rows
// with the MutationDecoder against a fixed schema (fuzz_schema.h: a table of every column type, a
// clustered key, a row-id table, a partitioned table, two versions). The first byte chooses:
//   even: the rest is a serialized binlog.Binlog, assembled as pulled from a pump (DDL binlogs with
//         in-band jobs change a copy of the schema);
//   odd:  the rest builds one DML binlog, so that row decoding is reached at once:
//         byte 1 table (t_all, t_clustered, t_rowid, t_part p0, t_part p1, an unknown id),
//         byte 2 schema version (0 latest, 1 before t_all's added column, 2 before the tables,
//         else the byte), byte 3 bit 0: write the `sequence` field, then records
//         [kind:u8][length:u16 little-endian][row bytes]: kind % 4 = 0 inserted row, 1 updated
//         row, 2 deleted row, 3 a sequence entry of type kind / 4 without a row.
// Whatever assembles must be what sinks can take: every event's values readable, and the
// transaction must go through the relay log (secondary binlog encoder, then the replay's
// RelayRecordDecoder) with the same events and values.
// fuzz-sources: core/drainer/transaction_assembler.cc core/drainer/drainer_transaction.cc
// fuzz-sources: core/drainer/abi_table.cc core/drainer/transaction_batch.cc
// fuzz-sources: core/drainer/relay_record_decoder.cc core/decode/*.cc core/codec/*.cc
// fuzz-sources: plugins/translators/secondary_binlog/secondary_binlog_encoder.cc
// fuzz-sources: core/schema/table_info.cc core/schema/schema_tracker.cc
// fuzz-sources: sdk/producer/catalog.cc sdk/producer/ddl_text.cc sdk/producer/value.cc
// fuzz-sources: sdk/producer/datum_conversion.cc core/proto/binlog.pb.cc
// fuzz-sources: core/proto/secondary_binlog.pb.cc core/common/status.cc
// fuzz-libs: -lprotobuf -lfmt
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/drainer/relay_record_decoder.h"
#include "core/drainer/transaction_assembler.h"
#include "core/drainer/transaction_batch.h"
#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_schema.h"
#include "tests/fuzz/transaction_text.h"

namespace {

using namespace sluice;

constexpr int64_t kStartTs = 400;
constexpr int64_t kCommitTs = 401;
constexpr int64_t kIgnoredCommitTs = 999;  // listed in ignore-txn-commit-ts
constexpr int64_t kUnknownTableId = 424242;

struct Fixture {
  schema::SchemaTracker tracker;
  fuzz::FuzzSchema schema;
};

const Fixture& fixture() {
  static const Fixture* built = [] {
    auto made = std::make_unique<Fixture>();
    producer::Catalog catalog;
    auto schema = fuzz::build_fuzz_schema(catalog);
    if (!schema.is_ok()) {
      std::fprintf(stderr, "fuzz schema: %s\n", schema.status().to_string().c_str());
      std::abort();
    }
    made->schema = std::move(schema).value();
    for (const schema::DdlJob& job : made->schema.jobs) {
      auto applied = made->tracker.apply(job);
      if (!applied.is_ok() || !*applied) std::abort();
    }
    return made.release();
  }();
  return *built;
}

// The structured form: one Commit binlog carrying a PrewriteValue with one mutation.
std::string build_dml(fuzz::FuzzInput& input) {
  const Fixture& fix = fixture();
  const uint8_t table = input.byte();
  const uint8_t version = input.byte();
  const uint8_t flags = input.byte();
  binlog::PrewriteValue prewrite;
  switch (version) {
    case 0:
      prewrite.set_schema_version(fix.schema.latest_version);
      break;
    case 1:
      prewrite.set_schema_version(fix.schema.version_before_added);
      break;
    case 2:
      prewrite.set_schema_version(1);
      break;
    default:
      prewrite.set_schema_version(version);
  }
  binlog::TableMutation* mutation = prewrite.add_mutations();
  const auto& ids = fix.schema.physical_ids;
  mutation->set_table_id(table % (ids.size() + 1) < ids.size() ? ids[table % (ids.size() + 1)]
                                                               : kUnknownTableId);
  while (!input.empty()) {
    const uint8_t kind = input.byte();
    const std::string_view row = input.field();
    switch (kind % 4) {
      case 0:
        mutation->add_inserted_rows(row.data(), row.size());
        if (flags & 1) mutation->add_sequence(binlog::Insert);
        break;
      case 1:
        mutation->add_updated_rows(row.data(), row.size());
        if (flags & 1) mutation->add_sequence(binlog::Update);
        break;
      case 2:
        mutation->add_deleted_rows(row.data(), row.size());
        if (flags & 1) mutation->add_sequence(binlog::DeleteRow);
        break;
      default:
        if (binlog::MutationType_IsValid(kind / 4)) {
          mutation->add_sequence(static_cast<binlog::MutationType>(kind / 4));
        }
    }
  }
  binlog::Binlog binlog;
  binlog.set_tp(binlog::Commit);
  binlog.set_start_ts(kStartTs);
  binlog.set_commit_ts(kCommitTs);
  binlog.set_prewrite_value(prewrite.SerializeAsString());
  return binlog.SerializeAsString();
}

// The events (types, names, values) without the table layouts: the relay log carries layouts in
// the secondary binlog's own terms (no ENUM members, for one), but every value must survive.
std::string values_text(const drainer::DrainerTransaction& transaction) {
  std::string out;
  for (const sluice_event_t& event : transaction.events) {
    out += std::to_string(event.type);
    fuzz::append_str(out, event.schema_name);
    fuzz::append_str(out, event.table_name);
    fuzz::append_str(out, event.ddl_query);
    if (event.table == nullptr) continue;
    for (const sluice_value_t* values : {event.old_values, event.new_values}) {
      out += " [";
      if (values != nullptr) {
        for (size_t i = 0; i < event.table->column_count; ++i) {
          fuzz::append_value(out, values[i]);
          out += ",";
        }
      }
      out += "]";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // libprotobuf logs every string field with invalid UTF-8 it parses: noise here.
  google::protobuf::SetLogHandler(nullptr);
  (void)fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string payload;
  if (data[0] % 2 == 0) {
    payload.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    fuzz::FuzzInput input(data + 1, size - 1);
    payload = build_dml(input);
  }
  schema::SchemaTracker tracker = fixture().tracker;  // DDL binlogs change their own copy
  drainer::TransactionAssembler assembler(tracker, nullptr, {kIgnoredCommitTs});
  auto assembled = assembler.assemble(payload, "pump-fuzz");
  if (!assembled.is_ok()) return 0;
  if (!assembled->transaction) {
    if (assembled->skip_reason.empty()) std::abort();  // a skip always says why
    return 0;
  }
  std::unique_ptr<drainer::DrainerTransaction> transaction = std::move(assembled->transaction);
  if (transaction->ddl ? transaction->events.size() != 1
                       : transaction->events.size() != transaction->rows.size()) {
    std::abort();
  }
  (void)fuzz::transaction_text(*transaction);
  const std::string values = values_text(*transaction);

  // Through the relay log: written as a secondary binlog, read back by the replay.
  drainer::TransactionBatch batch;
  batch.add(std::move(transaction));
  const sluice_batch_t& view = batch.build_view();
  std::string record;
  translators::append_secondary_binlog(sdk::Transaction(view.transactions), record);
  drainer::RelayRecordDecoder decoder;
  auto replayed = decoder.decode(record);
  if (!replayed.is_ok()) {
    std::fprintf(stderr, "the relay log cannot replay it: %s\n",
                 replayed.status().to_string().c_str());
    std::abort();
  }
  if (values_text(**replayed) != values) {
    std::fprintf(stderr, "assembled:\n%s\nreplayed:\n%s\n", values.c_str(),
                 values_text(**replayed).c_str());
    std::abort();
  }
  return 0;
}
