#include "tests/e2e/pipeline.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/tso/embedded_tso.h"
#include "daemons/sync_diff/table_diff.h"
#include "tests/support/free_port.h"

namespace sluice::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::filesystem::path binary(const std::string& name) {
  const char* dir = std::getenv("SLUICE_BINARY_DIR");
  if (dir != nullptr && *dir != '\0') return std::filesystem::path(dir) / "bin" / name;
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" / name;
}

mysql::ConnectionOptions connection_of(const testing::MariadbServer& server) {
  mysql::ConnectionOptions options;
  options.host = server.host();
  options.port = server.port();
  options.user = server.user();
  options.password = server.password();
  return options;
}

// Starts a daemon and waits for its "serving gRPC" line.
std::unique_ptr<testing::ChildProcess> launch(std::vector<std::string> argv,
                                              const std::filesystem::path& log_file) {
  testing::ChildProcessOptions options;
  options.argv = std::move(argv);
  options.log_file = log_file;
  options.pipe_stdout = true;
  auto child = std::make_unique<testing::ChildProcess>(options);
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  bool serving = false;
  while (!serving && std::chrono::steady_clock::now() < deadline) {
    auto line = child->read_stdout_line(seconds(30));
    if (!line) break;
    serving = line->find("serving gRPC") != std::string::npos;
  }
  EXPECT_TRUE(serving) << options.argv[0] << " did not start:\n" << child->log_tail();
  return child;
}

::testing::AssertionResult diff(const testing::MariadbServer& source,
                                const testing::MariadbServer& target, const std::string& what) {
  sync_diff::DiffOptions options;
  options.source = connection_of(source);
  options.target = connection_of(target);
  options.schemas = {{"sbtest", "sbtest"}};
  options.chunk_size = 500;
  std::ostringstream out;
  auto summary = sync_diff::compare_databases(options, out);
  if (!summary.is_ok()) {
    return ::testing::AssertionFailure()
           << "sync-diff of " << what << " failed: " << summary.status().to_string();
  }
  if (!summary->equal()) {
    return ::testing::AssertionFailure() << what << " differs from the upstream:\n" << out.str();
  }
  if (summary->tables_compared < 3) {
    return ::testing::AssertionFailure()
           << "only " << summary->tables_compared << " tables compared:\n"
           << out.str();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

Pipeline::Pipeline() {
  for (int i = 0; i < kPumps; ++i) {
    pump_ports_[static_cast<size_t>(i)] = testing::free_tcp_port();
    pump_status_ports_[static_cast<size_t>(i)] = testing::free_tcp_port();
  }
  drainer_port_ = testing::free_tcp_port();
  drainer_status_port_ = testing::free_tcp_port();
  // pump-1's disk can fill up: a tmpfs of its own (1 GiB at most; only what is used takes memory).
  std::filesystem::create_directories(file("pump1"));
  pump_disk_mounted_ = ::mount("tmpfs", file("pump1").c_str(), "tmpfs", 0, "size=1g") == 0;
  if (!pump_disk_mounted_) {
    std::cout << "no tmpfs for pump-1 (" << std::strerror(errno)
              << "): the disk-full fault is left out" << std::endl;
  }
  write_configs();
  // One after the other: the first pump creates the registry's cluster id.
  for (int i = 0; i < kPumps; ++i)
    start_pump(i);
  start_drainer();
}

Pipeline::~Pipeline() {
  // Children first (by PID, through their owners), then the servers.
  load_.reset();
  drainer_.reset();
  for (auto& pump : pumps_) {
    if (pump) ::kill(pump->pid(), SIGCONT);  // a paused pump must be able to die
    pump.reset();
  }
  if (pump_disk_mounted_) ::umount2(file("pump1").c_str(), MNT_DETACH);
}

void Pipeline::pause_pump(int index) {
  if (auto& pump = pumps_[static_cast<size_t>(index)]) ::kill(pump->pid(), SIGSTOP);
}

void Pipeline::resume_pump(int index) {
  if (auto& pump = pumps_[static_cast<size_t>(index)]) ::kill(pump->pid(), SIGCONT);
}

bool Pipeline::fill_pump_disk() {
  if (!pump_disk_mounted_) return false;
  const auto filler = file("pump1") / "filler";
  const auto space = std::filesystem::space(file("pump1"));
  const int fd = ::open(filler.c_str(), O_CREAT | O_WRONLY, 0600);
  if (fd < 0) return false;
  const off_t size = static_cast<off_t>(space.available > (64u << 10) ? space.available : 0);
  const int allocated = size > 0 ? ::posix_fallocate(fd, 0, size) : 0;
  ::close(fd);
  return allocated == 0;
}

void Pipeline::free_pump_disk() {
  std::error_code ignored;
  std::filesystem::remove(file("pump1") / "filler", ignored);
}

std::optional<std::chrono::milliseconds> Pipeline::time_to_catch_up(std::chrono::seconds timeout) {
  const auto started = std::chrono::steady_clock::now();
  if (!drainer_caught_up(timeout)) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started);
}

void Pipeline::write_configs() {
  for (int i = 0; i < kPumps; ++i) {
    std::ofstream(file("pump" + std::to_string(i) + ".toml"))
        << "addr = \"127.0.0.1:" << pump_ports_[static_cast<size_t>(i)] << "\"\n"
        << "status-addr = \"127.0.0.1:" << pump_status_ports_[static_cast<size_t>(i)] << "\"\n"
        << "data-dir = \"" << file("pump" + std::to_string(i)).string() << "\"\n"
        << "registry-dir = \"" << file("registry").string() << "\"\n"
        << "node-id = \"pump-" << i << "\"\n"
        << "heartbeat-interval = 1\n"
        // A P-binlog a killed pump stored without acknowledging it is written again to the other
        // pump, which gets its C-binlog; the orphan stalls this pump's stream until it is resolved
        // (as rolled back) after max-txn-timeout, 600 s by default. 15 s: far longer than any
        // kill in these scenarios (<= 3 s), so a P-binlog whose C-binlog is only delayed by a
        // restart is never resolved early.
        << "max-txn-timeout = 15\n"
        << "[storage]\nstop-write-at-available-space = 0\n";
  }
  std::ofstream(file("drainer.toml"))
      << "addr = \"127.0.0.1:" << drainer_port_ << "\"\n"
      << "status-addr = \"127.0.0.1:" << drainer_status_port_ << "\"\n"
      << "data-dir = \"" << file("drainer").string() << "\"\n"
      << "registry-dir = \"" << file("registry").string() << "\"\n"
      << "node-id = \"e2e-drainer\"\n"
      << "detect-interval = 1\n"
      << "checkpoint-interval = \"200ms\"\n"
      // The checkpoint database is the downstream: killing it takes the checkpoint away too.
      << "[checkpoint]\ntype = \"mysql\"\n"
      << "host = \"" << downstream_.host() << "\"\n"
      << "port = " << downstream_.port() << "\n"
      << "user = \"" << downstream_.user() << "\"\n"
      << "password = \"" << downstream_.password() << "\"\n"
      << "[[sink]]\nname = \"downstream\"\nplugin = \"mysql\"\n[sink.config]\n"
      << "host = \"" << downstream_.host() << "\"\n"
      << "port = " << downstream_.port() << "\n"
      << "user = \"" << downstream_.user() << "\"\n"
      << "password = \"" << downstream_.password() << "\"\n"
      << "worker-count = 4\n"
      << "read-timeout = \"10s\"\n"
      << "[[sink]]\nname = \"archive\"\nplugin = \"file\"\n[sink.config]\n"
      << "dir = \"" << file("binlog").string() << "\"\n";
}

void Pipeline::start_pump(int index) {
  const std::string name = "pump" + std::to_string(index);
  pumps_[static_cast<size_t>(index)] = launch(
      {binary("sluice-pump").string(), "-config", file(name + ".toml").string(), "-L", "info"},
      file(name + ".log"));
}

void Pipeline::kill_pump(int index) {
  auto& pump = pumps_[static_cast<size_t>(index)];
  if (pump) pump->kill9();
  pump.reset();
}

void Pipeline::start_drainer() {
  drainer_ = launch(
      {binary("sluice-drainer").string(), "-config", file("drainer.toml").string(), "-L", "info"},
      file("drainer.log"));
}

void Pipeline::kill_drainer() {
  if (drainer_) drainer_->kill9();
  drainer_.reset();
}

void Pipeline::kill_downstream() {
  downstream_.kill9();
}

void Pipeline::restart_downstream() {
  downstream_.restart();
}

bool Pipeline::downstream_running() {
  return downstream_.is_running();
}

void Pipeline::start_load(const LoadSpec& spec) {
  testing::ChildProcessOptions options;
  options.argv = {binary("sluice-loadgen").string(),
                  "--port",
                  std::to_string(upstream_.port()),
                  "--user",
                  upstream_.user(),
                  "--registry-dir",
                  file("registry").string(),
                  "--threads",
                  std::to_string(spec.threads),
                  "--tables",
                  std::to_string(spec.tables),
                  "--duration",
                  std::to_string(spec.seconds),
                  "--rate",
                  std::to_string(spec.rate),
                  "--ddl-every",
                  std::to_string(spec.ddl_every),
                  "--row-size",
                  "90",
                  "--seed",
                  std::to_string(spec.seed)};
  options.extra_env = {"LOADGEN_PASSWORD=" + upstream_.password()};
  options.log_file = file("loadgen.log");
  load_ = std::make_unique<testing::ChildProcess>(options);
  load_seconds_ = spec.seconds;
}

bool Pipeline::load_running() {
  return load_ && load_->is_running();
}

::testing::AssertionResult Pipeline::load_finished(bool strict) {
  if (!load_) return ::testing::AssertionFailure() << "no load was started";
  // The load ends after its duration plus the transactions in flight; a C-binlog to a killed
  // pump is retried until the pump is back.
  auto status = load_->wait_for_exit(seconds(load_seconds_ + 120));
  if (!status) return ::testing::AssertionFailure() << "the load did not end:\n" << logs();
  const std::string log = load_->log_tail(8192);
  if (log.find("lack their commit binlog") != std::string::npos) {
    return ::testing::AssertionFailure() << "the load lost commit binlogs:\n" << log;
  }
  if (log.find("committed ") == std::string::npos) {
    return ::testing::AssertionFailure() << "the load printed no summary:\n" << log;
  }
  if (strict && !(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)) {
    return ::testing::AssertionFailure()
           << "sluice-loadgen " << testing::describe_wait_status(*status) << ":\n"
           << log;
  }
  return ::testing::AssertionSuccess() << log;
}

::testing::AssertionResult Pipeline::drainer_caught_up(std::chrono::seconds timeout) {
  auto tso = tso::EmbeddedTso::open(file("registry") / "tso");
  if (!tso.is_ok()) return ::testing::AssertionFailure() << tso.status().to_string();
  auto target = (*tso)->next();
  if (!target.is_ok()) return ::testing::AssertionFailure() << target.status().to_string();
  httplib::Client http("127.0.0.1", drainer_status_port_);
  http.set_connection_timeout(seconds(2));
  http.set_read_timeout(seconds(5));
  int64_t checkpoint = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!drainer_ || !drainer_->is_running()) {
      return ::testing::AssertionFailure() << "the drainer is not running:\n" << logs();
    }
    if (auto response = http.Get("/status"); response && response->status == 200) {
      auto json = nlohmann::json::parse(response->body, nullptr, false);
      if (json.is_object() && json.contains("Checkpoint")) {
        checkpoint = json["Checkpoint"].get<int64_t>();
        if (checkpoint >= *target) return ::testing::AssertionSuccess();
      }
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
  return ::testing::AssertionFailure()
         << "the drainer's checkpoint " << checkpoint << " did not reach " << *target << " within "
         << timeout.count() << " s:\n"
         << logs();
}

::testing::AssertionResult Pipeline::downstream_equal() {
  return diff(upstream_, downstream_, "the downstream (mysql sink)");
}

::testing::AssertionResult Pipeline::reparo_restore_equal() {
  if (drainer_) {
    const int status = drainer_->terminate(seconds(20));
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      return ::testing::AssertionFailure()
             << "sluice-drainer " << testing::describe_wait_status(status) << " on SIGTERM:\n"
             << drainer_->log_tail();
    }
    drainer_.reset();
  }
  restored_ = std::make_unique<testing::MariadbServer>();
  std::ofstream(file("reparo.toml")) << "data-dir = \"" << file("binlog").string() << "\"\n"
                                     << "dest-type = \"mysql\"\n"
                                     << "safe-mode = true\n"
                                     << "worker-count = 4\n"
                                     << "[dest-db]\n"
                                     << "host = \"" << restored_->host() << "\"\n"
                                     << "port = " << restored_->port() << "\n"
                                     << "user = \"" << restored_->user() << "\"\n"
                                     << "password = \"" << restored_->password() << "\"\n";
  testing::ChildProcessOptions options;
  options.argv = {binary("sluice-reparo").string(), "-config", file("reparo.toml").string()};
  options.log_file = file("reparo.log");
  testing::ChildProcess reparo(options);
  auto status = reparo.wait_for_exit(seconds(180));
  if (!status || !(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)) {
    return ::testing::AssertionFailure()
           << "sluice-reparo "
           << (status ? testing::describe_wait_status(*status) : std::string("did not finish"))
           << ":\n"
           << reparo.log_tail();
  }
  return diff(upstream_, *restored_, "the reparo restore of the file sink");
}

void Pipeline::expect_replicated_exactly() {
  ASSERT_TRUE(drainer_caught_up(seconds(180)));
  ASSERT_TRUE(downstream_equal());
  EXPECT_GT(downstream_rows(), 0);
  ASSERT_TRUE(reparo_restore_equal());
}

int64_t Pipeline::downstream_rows() {
  const auto rows = downstream_.query_rows("SELECT COUNT(*) FROM sbtest.sbtest1");
  return rows.empty() || !rows[0][0] ? 0 : std::stoll(*rows[0][0]);
}

std::string Pipeline::logs() const {
  std::string out;
  auto add = [&](const std::string& name) {
    out += "--- " + name + "\n" + testing::read_file_tail(file(name), 3000);
  };
  add("loadgen.log");
  add("drainer.log");
  for (int i = 0; i < kPumps; ++i)
    add("pump" + std::to_string(i) + ".log");
  return out;
}

uint64_t env_seed(uint64_t seed) {
  const char* text = std::getenv("SLUICE_E2E_SEED");
  return text != nullptr && *text != '\0' ? std::stoull(text) : seed;
}

int env_seconds(int seconds) {
  const char* text = std::getenv("SLUICE_E2E_SECONDS");
  return text != nullptr && *text != '\0' ? std::stoi(text) : seconds;
}

}  // namespace sluice::e2e
