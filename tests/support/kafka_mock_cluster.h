#pragma once
// KafkaMockCluster: librdkafka's mock Kafka cluster running in a `sluice-kafka-mock` child process,
// reachable over TCP on 127.0.0.1 from the test and from other child processes. Owns a temporary
// directory (bootstrap file, log) and the helper process, to which it keeps a command channel on
// its stdin/stdout; the destructor closes stdin (the helper exits), reaps it and removes the dir.
// Thread-safety: the accessors and the command methods are safe from several threads (commands
// are serialized); construction and destruction belong to the owning thread.
// Failures throw std::runtime_error (helper missing, startup timeout, a command answered "error").

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace sluice::testing {

struct KafkaTopicSpec {
  std::string name;
  int partitions = 1;
};

struct KafkaMockClusterOptions {
  int brokers = 1;                     // broker ids are 1..brokers
  std::vector<KafkaTopicSpec> topics;  // created before the fixture returns
  std::chrono::milliseconds startup_timeout = std::chrono::seconds(30);
};

class KafkaMockCluster {
 public:
  explicit KafkaMockCluster(KafkaMockClusterOptions options = {});
  ~KafkaMockCluster();

  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:<port>[,127.0.0.1:<port>...]", for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  // "SLUICE_KAFKA_BOOTSTRAP=<servers>", for ChildProcessOptions::extra_env.
  std::string environment_entry() const { return "SLUICE_KAFKA_BOOTSTRAP=" + bootstrap_servers_; }
  int broker_count() const { return options_.brokers; }
  pid_t pid() const { return helper_->pid(); }
  const std::filesystem::path& base_dir() const { return dir_.path(); }
  std::filesystem::path log_file() const { return dir_.file("kafka-mock.log"); }

  // Broker `id` (1..brokers) closes its connections and refuses new ones until set_broker_up().
  void set_broker_down(std::int32_t id);
  void set_broker_up(std::int32_t id);
  void create_topic(const std::string& name, int partitions);

  // Sends one command line to the helper and returns its answer ("ok" or "error ..."); throws
  // only when the helper does not answer.
  std::string send_command(const std::string& line);

  // $SLUICE_BINARY_DIR/tests/sluice-kafka-mock, else sluice-kafka-mock beside /proc/self/exe.
  static std::filesystem::path helper_path();

 private:
  void command_or_throw(const std::string& line);

  KafkaMockClusterOptions options_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> helper_;
  std::string bootstrap_servers_;
  std::mutex command_mutex_;
};

}  // namespace sluice::testing
