// bench_mysql_sink: rows/s into MariaDB through the mysql sink's loader (DmlApplier: downstream
// table info, causality planning, multi-row INSERT with driver-bound values, worker-count
// connections, txn-batch rows per downstream transaction; fed in the plugin's apply threshold of
// txn-batch x worker-count x 3 DMLs to long-lived workers, waiting only at the end) against a plain
// loader doing the same work over the same number of connections in the same run:
//   insert  baseline: text multi-row INSERTs of txn-batch rows (autocommit), rows split into
//           contiguous ranges per connection; insert* the same with the statements dealt to the
//           connections round-robin (neighbouring keys written concurrently, as hashing does);
//   update  baseline: the same per-row `UPDATE ... WHERE id = <literal> LIMIT 1` statements the
//           sink sends, txn-batch per BEGIN/COMMIT, text protocol, no planning;
//   delete  baseline: likewise `DELETE ... WHERE id = <literal> LIMIT 1`.
// The table is sysbench's sbtest shape. One private MariaDB (tests/support) serves both, each on
// its own table.
//
//   bench_mysql_sink [--rows N] [--workers N] [--txn-batch N]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "plugins/mysql/dml_applier.h"
#include "plugins/mysql/mysql_connection.h"
#include "tests/support/mariadb_server.h"

namespace {

using sluice::mysql::ApplierOptions;
using sluice::mysql::ColumnInfo;
using sluice::mysql::ConnectionOptions;
using sluice::mysql::Dml;
using sluice::mysql::DmlApplier;
using sluice::mysql::DmlType;
using sluice::mysql::KeyInfo;
using sluice::mysql::MysqlConnection;
using sluice::mysql::SqlError;
using sluice::mysql::SqlValue;
using sluice::mysql::TableInfo;

constexpr const char* kDatabase = "bench";

struct Options {
  size_t rows = 100000;
  size_t workers = 4;
  size_t txn_batch = 20;
};

struct Row {
  int64_t id;
  int64_t k;
  std::string c;
  std::string pad;
};

// sysbench's c and pad: groups of 11 digits joined by '-' (char(120) and char(60)).
std::string digits(std::mt19937_64& random, size_t groups) {
  std::string out;
  for (size_t g = 0; g < groups; ++g) {
    if (g > 0) out += '-';
    for (int i = 0; i < 11; ++i)
      out += static_cast<char>('0' + random() % 10);
  }
  return out;
}

std::vector<Row> make_rows(size_t count, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<Row> rows;
  rows.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    rows.push_back(Row{static_cast<int64_t>(i + 1), static_cast<int64_t>(random() % 1000000),
                       digits(random, 10), digits(random, 5)});
  }
  return rows;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_mysql_sink: %s\n", what.c_str());
  std::exit(1);
}

std::unique_ptr<MysqlConnection> connect(const ConnectionOptions& options) {
  SqlError error;
  auto connection = MysqlConnection::connect(options, error);
  if (!connection) die("connect: " + error.message);
  return connection;
}

void run(MysqlConnection& connection, const std::string& sql) {
  if (auto error = connection.execute(sql)) die(sql.substr(0, 200) + ": " + error->message);
}

void create_table(MysqlConnection& connection, const std::string& table) {
  run(connection, "DROP TABLE IF EXISTS " + std::string(kDatabase) + "." + table);
  run(connection, "CREATE TABLE " + std::string(kDatabase) + "." + table +
                      " (id BIGINT NOT NULL, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL "
                      "DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), "
                      "KEY k_1 (k))");
}

std::string row_literal(const Row& row) {
  std::string out;
  out.reserve(row.c.size() + row.pad.size() + 48);
  out += '(';
  out += std::to_string(row.id);
  out += ',';
  out += std::to_string(row.k);
  out += ",'";
  out += row.c;
  out += "','";
  out += row.pad;
  out += "')";
  return out;
}

// Runs `work(worker, begin, end)` on `workers` threads over contiguous ranges of `count` rows.
double timed_parallel(size_t workers, size_t count,
                      const std::function<void(size_t, size_t, size_t)>& work) {
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> threads;
    for (size_t w = 0; w < workers; ++w) {
      const size_t begin = count * w / workers;
      const size_t end = count * (w + 1) / workers;
      threads.emplace_back([&work, w, begin, end] { work(w, begin, end); });
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `dealt`: statement-sized blocks of rows go to the connections round-robin (neighbouring keys on
// different connections at the same time, as a key-hash dispatch does), instead of one contiguous
// range per connection.
double baseline_inserts(std::vector<std::unique_ptr<MysqlConnection>>& connections,
                        const std::vector<Row>& rows, size_t batch, const std::string& table,
                        bool dealt) {
  const size_t workers = connections.size();
  return timed_parallel(workers, rows.size(), [&](size_t w, size_t begin, size_t end) {
    const size_t first = dealt ? w * batch : begin;
    const size_t last = dealt ? rows.size() : end;
    const size_t step = dealt ? batch * workers : batch;
    for (size_t i = first; i < last; i += step) {
      std::string sql = "INSERT INTO bench." + table + " (id,k,c,pad) VALUES ";
      for (size_t j = i; j < std::min(last, i + batch); ++j) {
        if (j > i) sql += ',';
        sql += row_literal(rows[j]);
      }
      run(*connections[w], sql);
    }
  });
}

double baseline_per_row(std::vector<std::unique_ptr<MysqlConnection>>& connections,
                        const std::vector<Row>& rows, size_t batch,
                        const std::function<std::string(const Row&)>& statement) {
  return timed_parallel(connections.size(), rows.size(), [&](size_t w, size_t begin, size_t end) {
    for (size_t i = begin; i < end; i += batch) {
      run(*connections[w], "BEGIN");
      for (size_t j = i; j < std::min(end, i + batch); ++j)
        run(*connections[w], statement(rows[j]));
      run(*connections[w], "COMMIT");
    }
  });
}

std::vector<SqlValue> values(const Row& row) {
  return {row.id, row.k, row.c, row.pad};
}

// Feeds `dmls` to the loader as the plugin does (sql_sink.cc): hand over to the workers whenever
// the threshold is buffered, wait for everything to commit at the end (the host's flush).
double sink_apply(DmlApplier& applier, std::vector<Dml> dmls, size_t threshold) {
  const auto start = std::chrono::steady_clock::now();
  for (Dml& dml : dmls) {
    applier.add(std::move(dml));
    if (applier.buffered() >= threshold) {
      if (auto status = applier.dispatch(); !status.is_ok()) die("sink: " + status.message());
    }
  }
  if (auto status = applier.apply(); !status.is_ok()) die("sink: " + status.message());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void report(const char* phase, size_t rows, double sink_seconds, double base_seconds) {
  const double sink_rate = static_cast<double>(rows) / sink_seconds;
  const double base_rate = static_cast<double>(rows) / base_seconds;
  std::printf("%-7s sink %10.0f rows/s (%.2f s)   baseline %10.0f rows/s (%.2f s)   ratio %.2f\n",
              phase, sink_rate, sink_seconds, base_rate, base_seconds, sink_rate / base_rate);
  std::fflush(stdout);
}

std::string count_of(MysqlConnection& connection, const std::string& table) {
  std::vector<sluice::mysql::SqlRow> got;
  if (auto error = connection.query("SELECT COUNT(*) FROM bench." + table, got)) {
    die(error->message);
  }
  return got.at(0).at(0).value_or("NULL");
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const size_t value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--rows") {
      options.rows = value;
    } else if (flag == "--workers") {
      options.workers = value;
    } else if (flag == "--txn-batch") {
      options.txn_batch = value;
    } else {
      die("unknown flag " + flag + " (--rows, --workers, --txn-batch)");
    }
  }
  if (options.rows == 0 || options.workers == 0 || options.txn_batch == 0) die("flags must be > 0");

  sluice::testing::MariadbServer server;
  ConnectionOptions connection_options;
  connection_options.host = server.host();
  connection_options.port = server.port();
  connection_options.user = server.user();
  connection_options.password = server.password();
  auto admin = connect(connection_options);
  run(*admin, "CREATE DATABASE IF NOT EXISTS " + std::string(kDatabase));
  create_table(*admin, "base");
  create_table(*admin, "sink");

  std::printf("bench_mysql_sink: %zu rows, %zu workers (connections), txn-batch %zu\n",
              options.rows, options.workers, options.txn_batch);
  const std::vector<Row> rows = make_rows(options.rows, 42);
  const std::vector<Row> updated = [&] {
    std::vector<Row> out = make_rows(options.rows, 7);
    for (size_t i = 0; i < out.size(); ++i)
      out[i].id = rows[i].id;
    return out;
  }();

  std::vector<std::unique_ptr<MysqlConnection>> connections;
  for (size_t w = 0; w < options.workers; ++w)
    connections.push_back(connect(connection_options));

  ApplierOptions applier_options;
  applier_options.connection = connection_options;
  applier_options.plan.worker_count = options.workers;
  applier_options.plan.txn_batch = options.txn_batch;
  DmlApplier applier(applier_options);
  const size_t threshold = options.txn_batch * options.workers * 3;  // mysql_sink.cc's threshold

  auto table = std::make_shared<TableInfo>();
  table->schema = kDatabase;
  table->table = "sink";
  table->columns = {ColumnInfo{"id", 8, false, false}, ColumnInfo{"k", 3, false, false},
                    ColumnInfo{"c", 254, false, false}, ColumnInfo{"pad", 254, false, false}};
  table->keys = {KeyInfo{"PRIMARY", true, {0}}};
  auto dmls = [&](DmlType type) {
    std::vector<Dml> out;
    out.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      Dml dml;
      dml.type = type;
      dml.table = table;
      dml.commit_ts = static_cast<int64_t>(i + 1);
      if (type != DmlType::kInsert) dml.old_values = values(rows[i]);
      if (type == DmlType::kInsert) dml.new_values = values(rows[i]);
      if (type == DmlType::kUpdate) dml.new_values = values(updated[i]);
      out.push_back(std::move(dml));
    }
    return out;
  };

  const double base_insert = baseline_inserts(connections, rows, options.txn_batch, "base", false);
  create_table(*admin, "dealt");
  const double dealt_insert =
      baseline_inserts(connections, rows, options.txn_batch, "dealt", /*dealt=*/true);
  const double sink_insert = sink_apply(applier, dmls(DmlType::kInsert), threshold);
  if (count_of(*admin, "base") != std::to_string(rows.size()) ||
      count_of(*admin, "sink") != std::to_string(rows.size())) {
    die("row counts differ after the inserts");
  }
  report("insert", rows.size(), sink_insert, base_insert);
  report("insert*", rows.size(), sink_insert, dealt_insert);

  const double base_update =
      baseline_per_row(connections, updated, options.txn_batch, [](const Row& row) {
        return "UPDATE bench.base SET id = " + std::to_string(row.id) +
               ", k = " + std::to_string(row.k) + ", c = '" + row.c + "', pad = '" + row.pad +
               "' WHERE id = " + std::to_string(row.id) + " LIMIT 1";
      });
  const double sink_update = sink_apply(applier, dmls(DmlType::kUpdate), threshold);
  report("update", rows.size(), sink_update, base_update);

  const double base_delete =
      baseline_per_row(connections, rows, options.txn_batch, [](const Row& row) {
        return "DELETE FROM bench.base WHERE id = " + std::to_string(row.id) + " LIMIT 1";
      });
  const double sink_delete = sink_apply(applier, dmls(DmlType::kDelete), threshold);
  if (count_of(*admin, "base") != "0" || count_of(*admin, "sink") != "0") {
    die("rows left after the deletes");
  }
  report("delete", rows.size(), sink_delete, base_delete);
  std::vector<sluice::mysql::SqlRow> status;
  if (!admin->query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_deadlocks', "
                    "'Innodb_row_lock_waits', 'Com_stmt_prepare', 'Com_commit')",
                    status)) {
    for (const auto& line : status)
      std::printf("%s=%s ", line.at(0).value_or("").c_str(), line.at(1).value_or("").c_str());
    std::printf("\n");
  }
  applier.close();
  return 0;
}
