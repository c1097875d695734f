#pragma once
// Pipeline: the whole replication path as an operator runs it, for the end-to-end scenarios.
// sluice-loadgen writes a load into the upstream MariaDB (the reference) and its binlogs to two
// sluice-pump processes; one sluice-drainer process applies them through two sinks: the mysql
// sink into a second MariaDB (the downstream) and the file sink into a directory, which
// sluice-reparo restores into a third MariaDB at the end. Every component can be killed (SIGKILL)
// and started again on the same ports, data directories and registry, so the scenarios crash
// them mid-load. Ports are fixed per Pipeline (free ports taken at construction).
//
// Owns the temporary directory, the three MariaDB servers and every child process it started;
// the destructor kills (by PID) whatever still runs. One thread only (the test's).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/temp_dir.h"

namespace sluice::e2e {

struct LoadSpec {
  int seconds = 20;
  double rate = 150;  // transactions per second over all threads
  int threads = 4;
  int tables = 3;
  int ddl_every = 300;  // add column, create table, add index, in turn
  uint64_t seed = 1;
};

class Pipeline {
 public:
  static constexpr int kPumps = 2;

  // Starts the upstream and downstream MariaDB, both pumps and the drainer (ready when this
  // returns; the drainer starts at the current TSO, so start the load afterwards).
  Pipeline();
  ~Pipeline();

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void start_pump(int index);
  void kill_pump(int index);
  // SIGSTOP / SIGCONT of a running pump (a pump that hangs, then goes on).
  void pause_pump(int index);
  void resume_pump(int index);
  // pump-1's data dir is a tmpfs of its own (when it can be mounted: root): fill_pump_disk()
  // takes all its free space, free_pump_disk() gives it back. False when there is no tmpfs.
  bool fill_pump_disk();
  void free_pump_disk();
  void start_drainer();
  void kill_drainer();
  // SIGKILL the downstream MariaDB / start it again on the same port and datadir.
  void kill_downstream();
  void restart_downstream();
  bool downstream_running();

  // Starts sluice-loadgen for spec.seconds (a child process; see load_finished()).
  void start_load(const LoadSpec& spec);
  bool load_running();
  // Waits for the load to end; fails the test when it did not exit 0 (with `strict`) or when it
  // reports committed transactions lacking their commit binlog.
  ::testing::AssertionResult load_finished(bool strict = true);

  // A timestamp past every commit so far (from the shared TSO), then waits until the drainer's
  // checkpoint (/status) reaches it: everything committed upstream is durable in both sinks.
  ::testing::AssertionResult drainer_caught_up(std::chrono::seconds timeout);
  // How long from now until the drainer's checkpoint passes a timestamp taken now (nullopt when
  // it does not within `timeout`): the catch-up after a fault.
  std::optional<std::chrono::milliseconds> time_to_catch_up(std::chrono::seconds timeout);
  // sync-diff of the upstream's `sbtest` against the downstream's.
  ::testing::AssertionResult downstream_equal();
  // Stops the drainer cleanly, restores the file sink's directory with sluice-reparo (safe mode:
  // the file sink delivers at least once) into a third MariaDB, and sync-diffs it.
  ::testing::AssertionResult reparo_restore_equal();

  // The whole end check: caught up, downstream equal, reparo restore equal.
  void expect_replicated_exactly();

  const std::filesystem::path& dir() const { return dir_.path(); }
  int64_t downstream_rows();

 private:
  std::filesystem::path file(const std::string& name) const { return dir_.file(name); }
  std::string logs() const;
  void write_configs();

  testing::TempDir dir_{"sluice-e2e-"};
  testing::MariadbServer upstream_;
  testing::MariadbServer downstream_;
  std::unique_ptr<testing::MariadbServer> restored_;
  std::array<uint16_t, kPumps> pump_ports_{};
  std::array<uint16_t, kPumps> pump_status_ports_{};
  uint16_t drainer_port_ = 0;
  uint16_t drainer_status_port_ = 0;
  std::array<std::unique_ptr<testing::ChildProcess>, kPumps> pumps_;
  std::unique_ptr<testing::ChildProcess> drainer_;
  std::unique_ptr<testing::ChildProcess> load_;
  int load_seconds_ = 0;
  bool pump_disk_mounted_ = false;
};

// The random-fault schedule's parameters: SLUICE_E2E_SEED (default `seed`) and
// SLUICE_E2E_SECONDS (default `seconds`) from the environment.
uint64_t env_seed(uint64_t seed);
int env_seconds(int seconds);

}  // namespace sluice::e2e
