// Rows/s decoding binlog mutations of a 10-column mixed-type table into neutral rows, on one core
// (issue target: >= 2M rows/s). The baseline is the bare datum scan of the same bytes (no schema,
// no conversion), the floor any decoder pays.
#include <benchmark/benchmark.h>

#include <random>

#include "core/codec/datum_codec.h"
#include "core/codec/mysql_time.h"
#include "core/codec/row_format.h"
#include "core/decode/mutation_decoder.h"

namespace {

using namespace sluice;
namespace type = schema::mysql_type;

constexpr int kRowsPerMutation = 1000;

schema::ColumnInfo column(int64_t id, const char* name, uint8_t tp, uint32_t flag = 0,
                          int flen = -1, int decimal = -1) {
  schema::ColumnInfo c;
  c.id = id;
  c.name = name;
  c.offset = static_cast<int>(id - 1);
  c.type = tp;
  c.flag = flag;
  c.flen = flen;
  c.decimal = decimal;
  c.charset = "utf8mb4";
  return c;
}

struct Fixture {
  schema::SchemaTracker tracker;
  binlog::TableMutation mutation;
  size_t bytes = 0;

  Fixture() {
    schema::DdlJob db;
    db.type = schema::action::kCreateSchema;
    db.schema_id = 1;
    db.state = schema::kJobStateSynced;
    db.schema_version = 1;
    db.db_info = schema::DbInfo{1, "bench", "utf8mb4", "utf8mb4_bin", schema::SchemaState::kPublic};
    (void)tracker.apply(db);
    schema::TableInfo table;
    table.id = 100;
    table.name = "sbtest";
    table.pk_is_handle = true;
    table.columns = {column(1, "id", type::kLonglong, schema::kPriKeyFlag | schema::kNotNullFlag),
                     column(2, "k", type::kLong),
                     column(3, "counter", type::kLonglong),
                     column(4, "c", type::kVarchar, 0, 120),
                     column(5, "pad", type::kVarchar, 0, 60),
                     column(6, "price", type::kNewDecimal, 0, 10, 2),
                     column(7, "created", type::kDatetime, 0, -1, 0),
                     column(8, "ratio", type::kDouble),
                     column(9, "flags", type::kTiny, schema::kUnsignedFlag),
                     column(10, "note", type::kBlob)};
    schema::DdlJob create;
    create.type = schema::action::kCreateTable;
    create.schema_id = 1;
    create.table_id = 100;
    create.state = schema::kJobStateSynced;
    create.schema_version = 2;
    create.table_info = table;
    (void)tracker.apply(create);

    std::mt19937_64 random(7);
    mutation.set_table_id(100);
    for (int i = 0; i < kRowsPerMutation; ++i) {
      std::string row;
      const uint64_t packed =
          codec::pack_time({2024, 1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60, 0});
      (void)codec::encode_inserted_row(
          row, {codec::Datum::from_int64(i)},
          {{2, codec::Datum::from_int64(static_cast<int64_t>(random() % 100000))},
           {3, codec::Datum::from_int64(static_cast<int64_t>(random()))},
           {4, codec::Datum::from_bytes(std::string(100, static_cast<char>('a' + i % 26)))},
           {5, codec::Datum::from_bytes(std::string(50, 'p'))},
           {6, codec::Datum::from_decimal(std::to_string(i % 10000) + ".25", 10, 2)},
           {7, codec::Datum::from_uint64(packed)},
           {8, codec::Datum::from_float64(static_cast<double>(i) / 3)},
           {9, codec::Datum::from_uint64(i % 256)},
           {10, codec::Datum::from_bytes("short note")}});
      bytes += row.size();
      mutation.add_inserted_rows(row);
      mutation.add_sequence(binlog::Insert);
    }
  }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

void BM_DecodeMutationToNeutralRows(benchmark::State& state) {
  Fixture& f = fixture();
  decode::MutationDecoder decoder(f.tracker);
  decode::TextArena arena;
  std::vector<decode::RowChange> changes;
  changes.reserve(kRowsPerMutation);
  for (auto _ : state) {
    changes.clear();
    arena.clear();
    auto status = decoder.decode(f.mutation, 2, changes, arena);
    if (!status.is_ok()) state.SkipWithError(status.message().c_str());
    benchmark::DoNotOptimize(changes.data());
  }
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kRowsPerMutation, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
}
BENCHMARK(BM_DecodeMutationToNeutralRows)->Unit(benchmark::kMicrosecond);

void BM_BaselineDatumScan(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    size_t datums = 0;
    for (const std::string& row : f.mutation.inserted_rows()) {
      auto decoded = codec::decode_datums(row);
      datums += decoded->size();
    }
    benchmark::DoNotOptimize(datums);
  }
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kRowsPerMutation, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
}
BENCHMARK(BM_BaselineDatumScan)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
