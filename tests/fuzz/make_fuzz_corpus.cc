// Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/): small
// valid inputs made by the project's own writers (the producer's row encoding and DDL jobs, the
// secondary binlog encoder, the binlog file framing, the registry and checkpoint writers, the
// secret encryption), so each fuzzer starts from what the real peers send. Deterministic: run it
// again after a format change and commit what differs.
//   cmake --build build --target make_fuzz_corpus && build/bin/make_fuzz_corpus tests/fuzz/corpus
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/checkpoint/checkpoint.h"
#include "core/config/encrypted_secret.h"
#include "core/drainer/transaction_assembler.h"
#include "core/drainer/transaction_batch.h"
#include "core/registry/node_status.h"
#include "plugins/file/binlog_file_format.h"
#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"
#include "sdk/producer/producer.h"
#include "sdk/producer/transaction_builder.h"
#include "tests/fuzz/fuzz_schema.h"

namespace {

using namespace sluice;
using producer::Value;

std::filesystem::path g_root;

void write(const std::string& target, const std::string& name, std::string_view bytes) {
  const std::filesystem::path dir = g_root / target;
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
}

template <typename T>
T must(Result<T> result, const char* what) {
  if (!result.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", what, result.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(result).value();
}

void must(Status status, const char* what) {
  if (!status.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", what, status.to_string().c_str());
    std::exit(1);
  }
}

// A pump's joined binlog: the P-binlog with the C-binlog's type and commit_ts.
std::string joined(binlog::Binlog prewrite, int64_t commit_ts) {
  prewrite.set_tp(binlog::Commit);
  prewrite.set_commit_ts(commit_ts);
  return prewrite.SerializeAsString();
}

std::string u16(size_t value) {
  return std::string{static_cast<char>(value & 0xFF), static_cast<char>((value >> 8) & 0xFF)};
}

std::string field(std::string_view bytes) {
  return u16(bytes.size()) + std::string(bytes);
}

// The structured form of transaction_assembler_fuzzer: table, version, flags, rows.
std::string structured(uint8_t table, uint8_t version, uint8_t flags,
                       const binlog::TableMutation& mutation) {
  std::string out{'\x01', static_cast<char>(table), static_cast<char>(version),
                  static_cast<char>(flags)};
  for (const std::string& row : mutation.inserted_rows())
    out += '\x00' + field(row);
  for (const std::string& row : mutation.updated_rows())
    out += '\x01' + field(row);
  for (const std::string& row : mutation.deleted_rows())
    out += '\x02' + field(row);
  return out;
}

class Generator {
 public:
  Generator() {
    schema_ = must(fuzz::build_fuzz_schema(catalog_), "fuzz schema");
    for (const schema::DdlJob& job : schema_.jobs)
      must(tracker_.apply(job), "applying the fuzz schema");
  }

  void run() {
    dml_seeds();
    ddl_seeds();
    text_seeds();
    secret_seeds();
  }

 private:
  producer::Row all_row(int64_t id) {
    return {{"id", id},
            {"c_tiny", -5},
            {"c_small", uint64_t{65535}},
            {"c_medium", 100},
            {"c_int", 7},
            {"c_big", UINT64_MAX},
            {"c_float", 1.5},
            {"c_double", -2.25},
            {"c_decimal", Value::decimal("123.456")},
            {"c_date", Value::datetime("2024-01-02")},
            {"c_datetime", Value::datetime("2024-01-02 03:04:05.678")},
            {"c_timestamp", Value::datetime("2024-01-02 03:04:05.123456")},
            {"c_time", Value::time("-12:34:56.78")},
            {"c_year", 2024},
            {"c_varchar", "héllo"},
            {"c_char", "abc"},
            {"c_varbinary", Value::bytes(std::string("\0\xff\x01", 3))},
            {"c_blob", Value::bytes("blob")},
            {"c_text", "text"},
            {"c_bit", uint64_t{0x2A5}},
            {"c_enum", "b"},
            {"c_set", "x,z"},
            {"c_json", Value::json(R"({"a":[1,2.5,"s",null,true],"b":{"c":-3}})")},
            {"c_added", "new"}};
  }

  // The assembler's drainer transaction for a joined binlog, written as a secondary binlog.
  std::string secondary(const std::string& payload) {
    drainer::TransactionAssembler assembler(tracker_, nullptr);
    auto assembled = must(assembler.assemble(payload, "generator"), "assembling");
    if (!assembled.transaction) {
      std::fprintf(stderr, "assembling: skipped (%s)\n", assembled.skip_reason.c_str());
      std::exit(1);
    }
    drainer::TransactionBatch batch;
    batch.add(std::move(assembled.transaction));
    std::string out;
    translators::append_secondary_binlog(sdk::Transaction(batch.build_view().transactions), out);
    return out;
  }

  void dml_seeds() {
    const char* db = fuzz::kFuzzDatabase;
    producer::TransactionBuilder all(catalog_);
    must(all.insert(db, "t_all", all_row(1)), "insert t_all");
    must(all.insert(db, "t_all", {{"id", 2}}), "insert t_all nulls");
    auto changed = all_row(1);
    changed["c_varchar"] = "changed";
    changed["c_json"] = Value::json("[]");
    must(all.update(db, "t_all", all_row(1), changed), "update t_all");
    must(all.erase(db, "t_all", {{"id", 2}}), "delete t_all");
    const std::string all_payload =
        joined(must(producer::make_prewrite_binlog(all, 100), "p"), 101);

    producer::TransactionBuilder keys(catalog_);
    must(keys.insert(db, "t_clustered", {{"k1", "key"}, {"k2", 3}, {"v", 0.5}}), "clustered");
    must(keys.update(db, "t_clustered", {{"k1", "key"}, {"k2", 3}, {"v", 0.5}},
                     {{"k1", "key"}, {"k2", 3}, {"v", 1.5}}),
         "clustered update");
    must(keys.insert(db, "t_rowid", {{"a", 1}, {"b", "one"}}), "rowid");
    must(keys.erase(db, "t_rowid", {{"a", 1}, {"b", "one"}}), "rowid delete");
    must(keys.insert(db, "t_part", {{"id", 4}, {"v", "p"}}, {"p0"}), "part p0");
    must(keys.insert(db, "t_part", {{"id", 5}, {"v", "q"}}, {"p1"}), "part p1");
    const std::string keys_payload =
        joined(must(producer::make_prewrite_binlog(keys, 110), "p"), 111);

    write("transaction_assembler_fuzzer", "raw-dml-every-type", '\0' + all_payload);
    write("transaction_assembler_fuzzer", "raw-dml-keys-partitions", '\0' + keys_payload);
    binlog::Binlog fake;
    fake.set_tp(binlog::Commit);
    fake.set_start_ts(120);
    fake.set_commit_ts(120);
    write("transaction_assembler_fuzzer", "raw-fake", '\0' + fake.SerializeAsString());

    // Structured seeds: the rows of each mutation, against the latest version.
    binlog::PrewriteValue all_value = all.prewrite_value();
    binlog::PrewriteValue keys_value = keys.prewrite_value();
    write("transaction_assembler_fuzzer", "rows-t_all",
          structured(0, 0, 1, all_value.mutations(0)));
    write("transaction_assembler_fuzzer", "rows-t_all-no-sequence",
          structured(0, 0, 0, all_value.mutations(0)));
    for (int i = 0; i < keys_value.mutations_size(); ++i) {
      const binlog::TableMutation& mutation = keys_value.mutations(i);
      uint8_t table = 0;
      for (size_t t = 0; t < schema_.physical_ids.size(); ++t) {
        if (schema_.physical_ids[t] == mutation.table_id()) table = static_cast<uint8_t>(t);
      }
      write("transaction_assembler_fuzzer", "rows-table-" + std::to_string(table),
            structured(table, 0, 1, mutation));
    }
    // The same rows read with t_all's layout before c_added (the column is then unknown).
    write("transaction_assembler_fuzzer", "rows-t_all-older-version",
          structured(0, 1, 1, all_value.mutations(0)));

    // Headers as TiDB sends them: the joined binlogs and a bare commit binlog.
    write("binlog_header_fuzzer", "dml", all_payload);
    write("binlog_header_fuzzer", "dml-keys", keys_payload);
    binlog::Binlog commit;
    commit.set_tp(binlog::Commit);
    commit.set_start_ts(100);
    commit.set_commit_ts(101);
    write("binlog_header_fuzzer", "commit", commit.SerializeAsString());

    // Secondary binlogs, as the relay log and Kafka carry them.
    const std::string all_secondary = secondary(all_payload);
    const std::string keys_secondary = secondary(keys_payload);
    write("relay_record_fuzzer", "one-dml", u16(0) + all_secondary);
    write("relay_record_fuzzer", "two-dml", field(keys_secondary) + all_secondary);

    // Kafka messages: a whole transaction, then one split in two parts (and a repeat).
    const std::string whole = std::string(1, '\0') + field("") + field("") + field(all_secondary);
    write("kafka_parts_fuzzer", "whole", whole);
    const std::string part1 =
        std::string(1, '\3') + field("1/2") + field("111") + field(keys_secondary);
    const std::string part2 =
        std::string(1, '\3') + field("2/2") + field("111") + field(keys_secondary);
    write("kafka_parts_fuzzer", "split", whole + part1 + part2);
    write("kafka_parts_fuzzer", "split-repeated", part1 + part1 + part2 + whole);

    // Binlog files: records framed as the file sink and the relay log write them.
    std::string file;
    file::append_record(file, all_secondary);
    file::append_record(file, keys_secondary);
    write("binlog_file_reader_fuzzer", "two-records", file);
    write("binlog_file_reader_fuzzer", "torn-tail", file + file.substr(0, 20));
    std::string corrupted = file;
    corrupted[20] ^= 0x40;  // inside the first payload: its CRC fails, the second is valid
    write("binlog_file_reader_fuzzer", "corrupt-first", corrupted);
    write("binlog_file_reader_fuzzer", "empty", "");
  }

  void ddl_seeds() {
    auto ddl = [&](Result<schema::DdlJob> job, int64_t start_ts, const std::string& name) {
      schema::DdlJob finished = must(std::move(job), name.c_str());
      auto prewrite = must(producer::make_ddl_prewrite_binlog(
                               finished, producer::ddl_schema_state_of(finished), start_ts),
                           name.c_str());
      const std::string payload = joined(prewrite, start_ts + 1);
      write("transaction_assembler_fuzzer", "raw-ddl-" + name, '\0' + payload);
      write("binlog_header_fuzzer", "ddl-" + name, payload);
      return payload;
    };
    producer::TableSpec spec;
    spec.name = "t_new";
    producer::ColumnSpec id;
    id.name = "id";
    id.type = schema::mysql_type::kLonglong;
    id.primary_key = true;
    spec.columns = {id};
    const std::string created =
        ddl(catalog_.create_table(fuzz::kFuzzDatabase, spec), 200, "create");
    producer::ColumnSpec added;
    added.name = "extra";
    added.type = schema::mysql_type::kVarchar;
    added.flen = 4;
    ddl(catalog_.add_column(fuzz::kFuzzDatabase, "t_new", added, "x"), 210, "add-column");
    ddl(catalog_.add_index(fuzz::kFuzzDatabase, "t_new", {"extra_idx", {"extra"}, true}), 220,
        "add-index");
    ddl(catalog_.truncate_table(fuzz::kFuzzDatabase, "t_rowid"), 230, "truncate");
    ddl(catalog_.drop_table(fuzz::kFuzzDatabase, "t_new"), 240, "drop");
    ddl(catalog_.create_database("fz2"), 250, "create-database");

    // A DDL as a secondary binlog, from the assembler's DDL transaction.
    schema::SchemaTracker tracker = tracker_;
    drainer::TransactionAssembler assembler(tracker, nullptr);
    auto assembled = must(assembler.assemble(created, "generator"), "assembling a DDL");
    if (!assembled.transaction) std::exit(1);
    drainer::TransactionBatch batch;
    batch.add(std::move(assembled.transaction));
    std::string record;
    translators::append_secondary_binlog(sdk::Transaction(batch.build_view().transactions), record);
    write("relay_record_fuzzer", "ddl", u16(0) + record);
    write("kafka_parts_fuzzer", "ddl",
          std::string(1, '\0') + field("") + field("") + field(record));
  }

  void text_seeds() {
    registry::NodeStatus pump;
    pump.node_id = "pump-1";
    pump.host = "127.0.0.1:8250";
    pump.max_commit_ts = 449210438461882369;
    pump.update_ts = 449210438461882370;
    write("node_status_fuzzer", "pump", registry::to_json(pump));
    registry::NodeStatus drainer;
    drainer.node_id = "drainer-1";
    drainer.host = "10.0.0.2:8249";
    drainer.state = std::string(registry::kPaused);
    drainer.is_alive = false;
    drainer.score = 3;
    drainer.label_json = R"({"labels":{"zone":"a"}})";
    write("node_status_fuzzer", "drainer-labels", registry::to_json(drainer));

    checkpoint::Checkpoint cp;
    cp.commit_ts = 449210438461882369;
    cp.schema_version = 12;
    write("checkpoint_fuzzer", "table-json", checkpoint::to_table_json(cp));
    write("checkpoint_fuzzer", "savepoint-toml", checkpoint::to_savepoint_toml(cp));
    cp.consistent = true;
    cp.ts_map = checkpoint::TsMap{449210438461882369, 449210438461882999};
    write("checkpoint_fuzzer", "table-json-ts-map", checkpoint::to_table_json(cp));
    write("checkpoint_fuzzer", "savepoint-generate-meta",
          "consistent = true\ncommitTS = 449210438461882369\nschema-version = 3\n"
          "# generated by binlogctl\ncommit-time = \"2024-05-01 10:00:00\"\n");

    write("plugin_manifest_fuzzer", "sink",
          "# Sluice plugin manifest: read by the host before it loads mysql.so.\n"
          "name = \"mysql\"\nkind = \"sink\"\nversion = \"0.1.0\"\nabi_major = 1\n"
          "abi_minor = 1\nplatform = \"linux-x86_64\"\n"
          "build_id = \"42796214-9bab-583e-9383-32b9fdda0618\"\nlibrary = \"mysql.so\"\n");
    write("plugin_manifest_fuzzer", "translator-newer-abi",
          "name = \"pb-binlog\"\nkind = \"translator\"\nversion = \"1.2.3-rc.1\"\n"
          "abi_major = 1\nabi_minor = 9\nplatform = \"linux-aarch64\"\nbuild_id = \"x\"\n"
          "library = \"pb-binlog.so\"\n");

    write("config_fuzzer", "pump",
          "addr = \"127.0.0.1:8250\"\nadvertise-addr = \"10.0.0.1:8250\"\n"
          "data-dir = \"data.pump\"\nheartbeat-interval = 2\ngc = 7\npd-urls = "
          "\"http://127.0.0.1:2379\"\nlog-level = \"info\"\nmax-txn-timeout = 600\n"
          "[security]\nssl-ca = \"\"\nssl-cert = \"\"\nssl-key = \"\"\n"
          "cert-allowed-cn = [\"binlog\"]\n"
          "[storage]\nsync-log = true\nstop-write-at-available-space = \"10 GiB\"\n"
          "slow_write_threshold = \"1s\"\n");
    write("config_fuzzer", "drainer-legacy-syncer",
          "addr = \"127.0.0.1:8249\"\ndata-dir = \"data.drainer\"\ndetect-interval = 5\n"
          "initial-commit-ts = -1\nsynced-check-time = 5\ncompressor = \"\"\n"
          "[syncer]\nsql-mode = \"STRICT_TRANS_TABLES\"\nignore-schemas = "
          "\"INFORMATION_SCHEMA,PERFORMANCE_SCHEMA,mysql\"\ntxn-batch = 20\nworker-count = 16\n"
          "safe-mode = false\ndb-type = \"mysql\"\nignore-txn-commit-ts = [1, 2]\n"
          "[[syncer.replicate-do-table]]\ndb-name = \"test\"\ntbl-name = \"log\"\n"
          "[[syncer.ignore-table]]\ndb-name = \"test\"\ntbl-name = \"~^a.*\"\n"
          "[syncer.to]\nhost = \"127.0.0.1\"\nuser = \"root\"\npassword = \"${PASSWORD}\"\n"
          "port = 3306\n[syncer.to.checkpoint]\ntype = \"mysql\"\nschema = \"tidb_binlog\"\n"
          "[syncer.relay]\nlog-dir = \"/tmp/relay\"\nmax-file-size = 10485760\n");
    write("config_fuzzer", "drainer-sinks",
          "addr = \"0.0.0.0:8249\"\n[checkpoint]\ntype = \"file\"\n"
          "[[sink]]\nplugin = \"kafka\"\nname = \"to-kafka\"\n[sink.config]\n"
          "kafka-addrs = \"127.0.0.1:9092\"\ntopic-name = \"t\"\nkafka-max-messages = 1024\n"
          "[[sink]]\nplugin = \"file\"\n[sink.config]\ndir = \"/tmp/out\"\n"
          "[[filter]]\nplugin = \"rules\"\n[filter.config]\n"
          "[[filter.config.rule]]\ndb = \"a\"\ntables = [\"x\", \"y\"]\nweight = 1.5\n"
          "when = 2024-01-02T03:04:05Z\n");
    write("config_fuzzer", "arbiter",
          "addr = \"127.0.0.1:8251\"\nlog-level = \"debug\"\n[up]\n"
          "kafka-addrs = \"127.0.0.1:9092\"\nkafka-version = \"0.8.2.0\"\ntopic = \"binlog\"\n"
          "initial-commit-ts = 0\n[down]\nhost = \"localhost\"\nport = 3306\nuser = \"root\"\n"
          "encrypted_password = \"MDEyMzQ1Njc4OWFiY2RlZkCrzQ==\"\nworker-count = 16\n"
          "batch-size = 64\n");
  }

  void secret_seeds() {
    for (int k = 0; k < 3; ++k) {
      static const char* kKeys[] = {
          "000102030405060708090a0b0c0d0e0f",
          "000102030405060708090a0b0c0d0e0f1011121314151617",
          "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
      };
      const auto key = must(config::SecretKey::from_hex(kKeys[k]), "key");
      const std::string encrypted =
          must(config::encrypt_secret_with_iv("s3cret-pässword", key, "0123456789abcdef"), "enc");
      write("encrypted_secret_fuzzer", "aes-" + std::to_string(128 + 64 * k),
            std::string(1, static_cast<char>(k)) + encrypted);
    }
    write("encrypted_secret_fuzzer", "hex-key",
          std::string(1, '\0') + "000102030405060708090a0b0c0d0e0f");
    write("encrypted_secret_fuzzer", "variable", std::string(1, '\0') + "${HOME}");
  }

  producer::Catalog catalog_;
  fuzz::FuzzSchema schema_;
  schema::SchemaTracker tracker_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir, e.g. tests/fuzz/corpus>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  Generator().run();
  return 0;
}
