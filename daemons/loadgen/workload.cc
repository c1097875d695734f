#include "daemons/loadgen/workload.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <thread>

#include "core/tso/tso.h"
#include "sdk/producer/catalog.h"
#include "sdk/producer/ddl_text.h"
#include "sdk/producer/transaction_builder.h"

namespace sluice::loadgen {

namespace {

using Clock = std::chrono::steady_clock;
namespace type = schema::mysql_type;

// MariaDB errors after which the transaction is simply rolled back: deadlock, lock wait timeout.
constexpr unsigned kDeadlock = 1213;
constexpr unsigned kLockWaitTimeout = 1205;

std::string sql_text(std::string_view text) {
  return producer::quote_string(text);
}

std::string describe(const mysql::SqlError& error) {
  return fmt::format("{} (error {})", error.message, error.code);
}

// State shared by the workers and the DDL: the catalog, the tables and the counters.
struct Shared {
  const LoadOptions& options;
  tso::TsoSource& tso;
  producer::PumpClient& pumps;
  producer::Producer producer;
  producer::Catalog catalog;
  // Workers hold it shared for a whole transaction; a DDL holds it exclusively, so no DML is in
  // flight while the schema changes.
  std::shared_mutex schema_lock;
  std::vector<std::string> tables;                             // guarded by schema_lock
  std::vector<std::unique_ptr<std::atomic<int64_t>>> next_id;  // per table, guarded likewise
  int64_t added_columns = 0;                                   // guarded by schema_lock
  int64_t added_indexes = 0;                                   // guarded by schema_lock
  int64_t ddl_turn = 0;                                        // guarded by schema_lock

  std::atomic<int64_t> issued{0};
  std::atomic<int64_t> committed{0};
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> rolled_back{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> ddls{0};
  std::atomic<int64_t> binlogs_lost{0};
  std::atomic<bool> fatal{false};
  // Non-zero while a DDL waits for schema_lock: workers hold back new transactions meanwhile, since
  // glibc's rwlock prefers readers and a busy load would starve the DDL otherwise.
  std::atomic<int> ddl_pending{0};

  std::mutex report_mutex;
  LoadReport report;  // first_errors, commits, ddl_log

  Shared(const LoadOptions& o, tso::TsoSource& t, producer::PumpClient& p,
         producer::CatalogOptions catalog_options)
      : options(o), tso(t), pumps(p), producer(t, p), catalog(catalog_options) {}

  void error(std::string message) {
    errors.fetch_add(1);
    spdlog::warn("loadgen: {}", message);
    std::lock_guard lock(report_mutex);
    if (report.first_errors.size() < 10) report.first_errors.push_back(std::move(message));
  }
};

Result<std::unique_ptr<mysql::MysqlConnection>> connect(const LoadOptions& options,
                                                        bool use_database) {
  mysql::SqlError error;
  auto connection = mysql::MysqlConnection::connect(options.mysql, error);
  if (!connection) {
    return Status::unavailable(fmt::format("cannot connect to MariaDB at {}:{} as {}: {}",
                                           options.mysql.host, options.mysql.port,
                                           options.mysql.user, describe(error)));
  }
  if (use_database) {
    if (auto failed = connection->execute("USE " + producer::quote_identifier(options.database))) {
      return Status::io_error(
          fmt::format("cannot use database {}: {}", options.database, describe(*failed)));
    }
    // Locking reads without gap locks: fewer deadlocks between inserts of fresh ids.
    if (auto failed =
            connection->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")) {
      return Status::io_error(fmt::format("cannot set the isolation level: {}", describe(*failed)));
    }
  }
  return connection;
}

// Applies a DDL job in MariaDB, then writes its binlogs. Caller holds schema_lock exclusively
// (or runs before the workers start).
Status apply_ddl(Shared& shared, mysql::MysqlConnection& connection, const schema::DdlJob& job) {
  if (auto failed = connection.execute(job.query)) {
    return Status::io_error(fmt::format("MariaDB refused {}: {}", job.query, describe(*failed)));
  }
  auto done = shared.producer.execute_ddl(job);
  if (!done.is_ok()) return done.status().with_context("binlog of " + job.query);
  shared.ddls.fetch_add(1);
  if (shared.options.record) {
    std::lock_guard lock(shared.report_mutex);
    shared.report.ddl_log.push_back({done->commit_ts, job.query});
  }
  return Status::ok();
}

std::pair<int, int> column_lengths(int row_size) {
  const int c = std::min(255, std::max(1, row_size * 2 / 3));
  const int pad = std::min(255, std::max(1, row_size - c));
  return {c, pad};
}

producer::TableSpec sbtest_table(const std::string& name, int row_size) {
  const auto [c_length, pad_length] = column_lengths(row_size);
  producer::TableSpec spec;
  spec.name = name;
  producer::ColumnSpec id{
      .name = "id", .type = type::kLonglong, .not_null = true, .primary_key = true};
  producer::ColumnSpec k{.name = "k", .type = type::kLong, .not_null = true, .default_value = "0"};
  producer::ColumnSpec c{
      .name = "c", .type = type::kString, .not_null = true, .flen = c_length, .default_value = ""};
  producer::ColumnSpec pad{.name = "pad",
                           .type = type::kString,
                           .not_null = true,
                           .flen = pad_length,
                           .default_value = ""};
  spec.columns = {id, k, c, pad};
  return spec;
}

Status create_table(Shared& shared, mysql::MysqlConnection& connection) {
  const std::string name = fmt::format("sbtest{}", shared.tables.size() + 1);
  SLUICE_ASSIGN_OR_RETURN(auto job,
                          shared.catalog.create_table(shared.options.database,
                                                      sbtest_table(name, shared.options.row_size)));
  SLUICE_RETURN_IF_ERROR(apply_ddl(shared, connection, job));
  shared.tables.push_back(name);
  shared.next_id.push_back(std::make_unique<std::atomic<int64_t>>(1));
  return Status::ok();
}

Status set_up(Shared& shared) {
  const LoadOptions& options = shared.options;
  SLUICE_ASSIGN_OR_RETURN(auto connection, connect(options, false));
  std::vector<mysql::SqlRow> rows;
  if (auto failed =
          connection->query("SELECT 1 FROM information_schema.schemata WHERE schema_name = " +
                                sql_text(options.database),
                            rows)) {
    return Status::io_error(fmt::format("MariaDB: {}", describe(*failed)));
  }
  if (!rows.empty()) {
    if (!options.recreate) {
      return Status::already_exists(fmt::format(
          "database {} already exists in MariaDB; the load starts from an empty database (use "
          "--recreate to drop it)",
          options.database));
    }
    if (auto failed =
            connection->execute("DROP DATABASE " + producer::quote_identifier(options.database))) {
      return Status::io_error(
          fmt::format("cannot drop database {}: {}", options.database, describe(*failed)));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto db_job, shared.catalog.create_database(options.database));
  SLUICE_RETURN_IF_ERROR(apply_ddl(shared, *connection, db_job));
  if (auto failed = connection->execute("USE " + producer::quote_identifier(options.database))) {
    return Status::io_error(fmt::format("cannot use {}: {}", options.database, describe(*failed)));
  }
  for (int i = 0; i < options.tables; ++i)
    SLUICE_RETURN_IF_ERROR(create_table(shared, *connection));
  return Status::ok();
}

// One DDL of the rotation (add column, create table, add index); caller holds schema_lock
// exclusively.
Status run_ddl(Shared& shared, mysql::MysqlConnection& connection, std::mt19937_64& random) {
  const std::string& table = shared.tables[random() % shared.tables.size()];
  switch (shared.ddl_turn++ % 3) {
    case 0: {
      producer::ColumnSpec column{.name = fmt::format("extra{}", ++shared.added_columns),
                                  .type = type::kLong};
      SLUICE_ASSIGN_OR_RETURN(auto job,
                              shared.catalog.add_column(shared.options.database, table, column));
      return apply_ddl(shared, connection, job);
    }
    case 1:
      return create_table(shared, connection);
    default: {
      // Non-unique (the random data may repeat any value), alternately on k and on (k, c), so
      // both index shapes reach the downstream.
      const int64_t number = ++shared.added_indexes;
      producer::IndexSpec index{.name = fmt::format("idx{}", number),
                                .columns = number % 2 == 1 ? std::vector<std::string>{"k"}
                                                           : std::vector<std::string>{"k", "c"}};
      SLUICE_ASSIGN_OR_RETURN(auto job,
                              shared.catalog.add_index(shared.options.database, table, index));
      return apply_ddl(shared, connection, job);
    }
  }
}

// A row read back from MariaDB, typed by the catalog's layout of the table.
producer::Row typed_row(const schema::TableInfo& table, const mysql::SqlRow& values) {
  producer::Row row;
  for (size_t i = 0; i < table.columns.size() && i < values.size(); ++i) {
    const auto& column = table.columns[i];
    const auto& value = values[i];
    if (!value) {
      row[column.name] = producer::Value::null();
      continue;
    }
    switch (column.type) {
      case type::kTiny:
      case type::kShort:
      case type::kLong:
      case type::kLonglong:
      case type::kInt24:
        if (column.is_unsigned()) {
          uint64_t number = 0;
          std::from_chars(value->data(), value->data() + value->size(), number);
          row[column.name] = number;
        } else {
          int64_t number = 0;
          std::from_chars(value->data(), value->data() + value->size(), number);
          row[column.name] = number;
        }
        break;
      default:
        row[column.name] = *value;
    }
  }
  return row;
}

class Worker {
 public:
  Worker(Shared& shared, int index, std::unique_ptr<mysql::MysqlConnection> connection)
      : shared_(shared),
        connection_(std::move(connection)),
        random_(shared.options.seed * 1'000'003 + static_cast<uint64_t>(index)) {}

  // Runs one transaction. Failures are counted; false only when the connection is unusable.
  bool run_one() {
    const auto& options = shared_.options;
    while (shared_.ddl_pending.load() > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::shared_lock lock(shared_.schema_lock);
    const size_t table_index = random_() % shared_.tables.size();
    const std::string table = shared_.tables[table_index];
    auto ref = shared_.catalog.find_table(options.database, table);
    if (!ref.is_ok()) {
      shared_.error(ref.status().to_string());
      return true;
    }
    const schema::TableInfo& info = *ref->info;
    std::atomic<int64_t>& next_id = *shared_.next_id[table_index];

    // Plan: updates and deletes of existing ids (ascending, so workers lock rows in one order and
    // do not deadlock each other), inserts of fresh ids.
    const int statements =
        1 +
        static_cast<int>(random_() % static_cast<uint64_t>(std::max(1, options.max_statements)));
    std::map<int64_t, bool> changes;  // id -> delete (else update)
    int inserts = 0;
    const int64_t known = next_id.load() - 1;
    for (int i = 0; i < statements; ++i) {
      const unsigned pick = static_cast<unsigned>(random_() % 10);
      if (pick < 4 || known < 1) {
        ++inserts;
      } else {
        const int64_t id = 1 + static_cast<int64_t>(random_() % static_cast<uint64_t>(known));
        changes.emplace(id, pick >= 8);
      }
    }
    std::string columns;
    for (const auto& column : info.columns)
      columns += (columns.empty() ? "" : ", ") + producer::quote_identifier(column.name);
    const std::string quoted_table = producer::quote_identifier(table);
    const auto [c_length, pad_length] = column_lengths(options.row_size);

    if (!execute("BEGIN")) return recover();
    producer::TransactionBuilder txn(shared_.catalog);
    CommittedTxn record{.table = table};
    for (const auto& [id, erase] : changes) {
      std::vector<mysql::SqlRow> rows;
      if (auto failed = connection_->query(
              fmt::format("SELECT {} FROM {} WHERE id = {} FOR UPDATE", columns, quoted_table, id),
              rows)) {
        return abandon(*failed);
      }
      if (rows.empty()) continue;  // deleted meanwhile, or not yet committed
      const producer::Row old_row = typed_row(info, rows[0]);
      Status built;
      if (erase) {
        if (!execute(fmt::format("DELETE FROM {} WHERE id = {}", quoted_table, id))) {
          return abandon(*last_error_);
        }
        built = txn.erase(options.database, table, old_row);
        ++record.deletes;
      } else {
        producer::Row new_row = old_row;
        const int64_t k = static_cast<int64_t>(random_() % 1'000'000);
        std::string c = sysbench_text(random_(), c_length);
        if (!execute(fmt::format("UPDATE {} SET k = {}, c = {} WHERE id = {}", quoted_table, k,
                                 sql_text(c), id))) {
          return abandon(*last_error_);
        }
        new_row["k"] = k;
        new_row["c"] = std::move(c);
        built = txn.update(options.database, table, old_row, new_row);
        ++record.updates;
      }
      if (!built.is_ok()) return give_up(built.to_string());
    }
    for (int i = 0; i < inserts; ++i) {
      const int64_t id = next_id.fetch_add(1);
      const int64_t k = static_cast<int64_t>(random_() % 1'000'000);
      std::string c = sysbench_text(random_(), c_length);
      std::string pad = sysbench_text(random_(), pad_length);
      if (!execute(fmt::format("INSERT INTO {} (id, k, c, pad) VALUES ({}, {}, {}, {})",
                               quoted_table, id, k, sql_text(c), sql_text(pad)))) {
        return abandon(*last_error_);
      }
      auto built = txn.insert(options.database, table,
                              {{"id", id}, {"k", k}, {"c", std::move(c)}, {"pad", std::move(pad)}});
      if (!built.is_ok()) return give_up(built.status().to_string());
      ++record.inserts;
    }
    if (txn.empty()) {
      execute("ROLLBACK");
      return true;
    }

    // TiDB's order: P-binlog, commit_ts while the row locks are held, COMMIT, C-binlog.
    auto prewritten = shared_.producer.prewrite(txn);
    if (!prewritten.is_ok())
      return give_up(prewritten.status().with_context("P-binlog").to_string());
    auto commit_ts = shared_.tso.next();
    if (!commit_ts.is_ok()) {
      execute("ROLLBACK");
      rollback_binlog(*prewritten);
      shared_.error(commit_ts.status().with_context("commit ts").to_string());
      return true;
    }
    if (!execute("COMMIT")) {
      const mysql::SqlError error = *last_error_;
      execute("ROLLBACK");
      rollback_binlog(*prewritten);
      shared_.error(fmt::format("COMMIT failed: {}", describe(error)));
      return !error.connection_lost();
    }
    Status written =
        shared_.pumps.write_commit(producer::make_finish_binlog(prewritten->binlog, *commit_ts));
    if (!written.is_ok()) {
      shared_.binlogs_lost.fetch_add(1);
      shared_.error(written.with_context("C-binlog of a committed transaction").to_string());
      return true;
    }
    const int64_t changed = record.inserts + record.updates + record.deletes;
    shared_.committed.fetch_add(1);
    shared_.rows.fetch_add(changed);
    if (shared_.options.record) {
      record.start_ts = prewritten->start_ts();
      record.commit_ts = *commit_ts;
      std::lock_guard report_lock(shared_.report_mutex);
      shared_.report.commits.push_back(std::move(record));
    }
    return true;
  }

  mysql::MysqlConnection& connection() { return *connection_; }
  std::mt19937_64& random() { return random_; }

 private:
  bool execute(const std::string& sql) {
    last_error_ = connection_->execute(sql);
    return !last_error_;
  }

  void rollback_binlog(const producer::Prewritten& prewritten) {
    if (Status status = shared_.producer.rollback_prewritten(prewritten); !status.is_ok()) {
      shared_.error(status.with_context("Rollback binlog").to_string());
    }
  }

  // A statement failed before anything was written to a pump: roll back in MariaDB only.
  bool abandon(const mysql::SqlError& error) {
    execute("ROLLBACK");
    if (error.code == kDeadlock || error.code == kLockWaitTimeout) {
      shared_.rolled_back.fetch_add(1);
      return true;
    }
    shared_.error(fmt::format("MariaDB: {}", describe(error)));
    return !error.connection_lost();
  }

  bool give_up(std::string message) {
    execute("ROLLBACK");
    shared_.error(std::move(message));
    return true;
  }

  bool recover() { return abandon(*last_error_); }

  Shared& shared_;
  std::unique_ptr<mysql::MysqlConnection> connection_;
  std::mt19937_64 random_;
  std::optional<mysql::SqlError> last_error_;
};

}  // namespace

std::string sysbench_text(uint64_t random, int length) {
  std::mt19937_64 digits(random);
  std::string text;
  text.reserve(static_cast<size_t>(length));
  while (static_cast<int>(text.size()) < length) {
    if (!text.empty() && text.size() % 12 == 11) {
      text += '-';
    } else {
      text += static_cast<char>('0' + digits() % 10);
    }
  }
  // A CHAR column drops trailing spaces; the text has none, and never ends in '-'.
  if (text.back() == '-') text.back() = '0';
  return text;
}

Status validate(const LoadOptions& options) {
  if (options.threads < 1) return Status::invalid_argument("threads must be at least 1");
  if (options.tables < 1) return Status::invalid_argument("tables must be at least 1");
  if (options.row_size < 2 || options.row_size > 510) {
    return Status::invalid_argument(
        fmt::format("row size must be 2..510 bytes (c + pad, each a CHAR of at most 255), not {}",
                    options.row_size));
  }
  if (options.max_statements < 1) {
    return Status::invalid_argument("statements per transaction must be at least 1");
  }
  if (options.rate < 0) return Status::invalid_argument("rate must not be negative");
  if (options.transactions < 0 || options.duration.count() < 0 || options.ddl_every < 0) {
    return Status::invalid_argument("counts and durations must not be negative");
  }
  if (options.transactions == 0 && options.duration.count() == 0) {
    return Status::invalid_argument("give a transaction count or a duration");
  }
  if (options.database.empty()) return Status::invalid_argument("the database name is empty");
  return Status::ok();
}

// Ids and schema versions continue from the cluster's clock, which only moves forward: TiDB's own
// counters only grow, and a generator that started them at 1 again would, under a running
// drainer, reuse the table ids and schema versions of its previous run (the drainer refuses
// such a DDL; before it did, rows of the new tables landed in the old ones). A run takes far
// fewer than one id or version per millisecond, so a later run always starts above an earlier
// one.
Result<producer::CatalogOptions> catalog_options(tso::TsoSource& tso) {
  SLUICE_ASSIGN_OR_RETURN(int64_t now, tso.next());
  producer::CatalogOptions options;
  options.first_global_id = tso::physical_ms(now);
  options.initial_schema_version = tso::physical_ms(now);
  return options;
}

Result<LoadReport> run_load(const LoadOptions& options, tso::TsoSource& tso,
                            producer::PumpClient& pumps, const std::atomic<bool>* stop) {
  SLUICE_RETURN_IF_ERROR(validate(options));
  SLUICE_ASSIGN_OR_RETURN(producer::CatalogOptions catalog, catalog_options(tso));
  Shared shared(options, tso, pumps, catalog);
  SLUICE_RETURN_IF_ERROR(set_up(shared));

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < options.threads; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto connection, connect(options, true));
    workers.push_back(std::make_unique<Worker>(shared, i, std::move(connection)));
  }

  const auto start = Clock::now();
  const auto deadline =
      options.duration.count() > 0 ? start + options.duration : Clock::time_point::max();
  auto stopping = [&] {
    return (stop != nullptr && stop->load()) || shared.fatal.load() || Clock::now() >= deadline;
  };
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&, w = worker.get()] {
      while (!stopping()) {
        const int64_t ticket = shared.issued.fetch_add(1);
        if (options.transactions > 0 && ticket >= options.transactions) return;
        if (options.rate > 0) {
          // Ticket i may start at start + i / rate: at most rate * t + threads by time t.
          const auto slot = start + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(ticket / options.rate));
          while (Clock::now() < slot && !stopping())
            std::this_thread::sleep_for(
                std::min<Clock::duration>(slot - Clock::now(), std::chrono::milliseconds(50)));
          if (stopping()) return;
        }
        if (options.ddl_every > 0 && ticket > 0 && ticket % options.ddl_every == 0) {
          shared.ddl_pending.fetch_add(1);
          std::unique_lock lock(shared.schema_lock);
          shared.ddl_pending.fetch_sub(1);
          if (Status status = run_ddl(shared, w->connection(), w->random()); !status.is_ok()) {
            // The catalog and MariaDB may now disagree: stop rather than emit wrong binlogs.
            shared.error(status.to_string());
            shared.fatal = true;
            return;
          }
        }
        if (!w->run_one()) {
          shared.fatal = true;
          return;
        }
      }
    });
  }
  auto progress = [&] {
    return LoadProgress{std::chrono::duration<double>(Clock::now() - start).count(),
                        shared.committed.load(), shared.rows.load(), shared.rolled_back.load(),
                        shared.errors.load()};
  };
  std::atomic<bool> done{false};
  std::thread reporter;
  if (options.on_progress) {
    reporter = std::thread([&] {
      auto next = Clock::now() + std::chrono::seconds(1);
      while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (Clock::now() >= next) {
          options.on_progress(progress());
          next += std::chrono::seconds(1);
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  done = true;
  if (reporter.joinable()) reporter.join();

  LoadReport report = std::move(shared.report);
  const LoadProgress last = progress();
  report.seconds = last.seconds;
  report.committed = last.committed;
  report.rows = last.rows;
  report.rolled_back = last.rolled_back;
  report.errors = last.errors;
  report.ddls = shared.ddls.load();
  report.binlogs_lost = shared.binlogs_lost.load();
  if (shared.fatal.load()) {
    return Status::aborted(fmt::format(
        "the load stopped on an error: {}",
        report.first_errors.empty() ? std::string("unknown") : report.first_errors.back()));
  }
  return report;
}

}  // namespace sluice::loadgen
