#include "tests/support/kafka_mock_cluster.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace sluice::testing {
namespace {

constexpr auto kCommandTimeout = std::chrono::seconds(10);
constexpr char kHelperName[] = "sluice-kafka-mock";

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

std::filesystem::path KafkaMockCluster::helper_path() {
  std::error_code ec;
  if (const char* dir = std::getenv("SLUICE_BINARY_DIR"); dir != nullptr && *dir != '\0') {
    const auto candidate = std::filesystem::path(dir) / "tests" / kHelperName;
    if (std::filesystem::exists(candidate, ec)) return candidate;
  }
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto candidate = self.parent_path() / kHelperName;
    if (std::filesystem::exists(candidate, ec)) return candidate;
  }
  throw std::runtime_error(std::string("KafkaMockCluster: cannot find ") + kHelperName +
                           " in $SLUICE_BINARY_DIR/tests or beside the test binary "
                           "(build the sluice-kafka-mock target)");
}

KafkaMockCluster::KafkaMockCluster(KafkaMockClusterOptions options)
    : options_(std::move(options)), dir_("sluice-kafka-") {
  if (options_.brokers < 1) throw std::invalid_argument("KafkaMockCluster: brokers must be >= 1");
  const auto bootstrap_file = dir_.file("bootstrap");
  std::vector<std::string> argv = {helper_path().string(), "--brokers",
                                   std::to_string(options_.brokers), "--bootstrap-file",
                                   bootstrap_file.string()};
  for (const auto& topic : options_.topics) {
    argv.push_back("--topic");
    argv.push_back(topic.name + ":" + std::to_string(topic.partitions));
  }
  helper_ = std::make_unique<ChildProcess>(ChildProcessOptions{
      .argv = argv, .log_file = log_file(), .pipe_stdin = true, .pipe_stdout = true});

  const auto deadline = std::chrono::steady_clock::now() + options_.startup_timeout;
  while (true) {
    std::error_code ec;
    if (std::filesystem::exists(bootstrap_file, ec)) {
      std::ifstream in(bootstrap_file);
      std::string servers;
      std::getline(in, servers);
      bootstrap_servers_ = trim(servers);
      if (!bootstrap_servers_.empty()) return;
    }
    if (!helper_->is_running()) {
      throw std::runtime_error("KafkaMockCluster: " + argv[0] + " " +
                               describe_wait_status(helper_->wait_status().value_or(0)) +
                               " during startup; log tail:\n" + helper_->log_tail());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      helper_->kill9();
      throw std::runtime_error("KafkaMockCluster: no bootstrap file within " +
                               std::to_string(options_.startup_timeout.count()) +
                               " ms; log tail:\n" + helper_->log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

KafkaMockCluster::~KafkaMockCluster() {
  // EOF on stdin makes the helper destroy the cluster and exit; SIGTERM/SIGKILL if it does not.
  helper_->close_stdin();
  if (!helper_->wait_for_exit(std::chrono::seconds(5))) {
    helper_->terminate(std::chrono::seconds(5));
  }
}

std::string KafkaMockCluster::send_command(const std::string& line) {
  std::lock_guard<std::mutex> lock(command_mutex_);
  if (!helper_->write_stdin(line + "\n")) {
    throw std::runtime_error("KafkaMockCluster: helper is gone (" + line + "); log tail:\n" +
                             helper_->log_tail());
  }
  auto answer = helper_->read_stdout_line(kCommandTimeout);
  if (!answer) {
    throw std::runtime_error("KafkaMockCluster: no answer to '" + line + "'; log tail:\n" +
                             helper_->log_tail());
  }
  return *answer;
}

void KafkaMockCluster::command_or_throw(const std::string& line) {
  const std::string answer = send_command(line);
  if (answer != "ok") {
    throw std::runtime_error("KafkaMockCluster: '" + line + "' failed: " + answer);
  }
}

void KafkaMockCluster::set_broker_down(std::int32_t id) {
  command_or_throw("down " + std::to_string(id));
}

void KafkaMockCluster::set_broker_up(std::int32_t id) {
  command_or_throw("up " + std::to_string(id));
}

void KafkaMockCluster::create_topic(const std::string& name, int partitions) {
  if (name.empty() || name.find_first_of(" \t\n") != std::string::npos) {
    throw std::invalid_argument("KafkaMockCluster: bad topic name '" + name + "'");
  }
  command_or_throw("topic " + name + " " + std::to_string(partitions));
}

}  // namespace sluice::testing
