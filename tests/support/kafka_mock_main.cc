// sluice-kafka-mock: runs librdkafka's mock Kafka cluster in its own process so other processes
// can reach it over TCP on 127.0.0.1. Used by the KafkaMockCluster test fixture.
//
//   sluice-kafka-mock --bootstrap-file PATH [--brokers N] [--topic NAME:PARTITIONS]...
//
// Writes the bootstrap servers to PATH (atomically: PATH.tmp then rename) once the cluster is up,
// then reads commands on stdin, one per line, answering each with "ok" or "error <text>" on stdout:
//   down <broker_id>            take a broker down (connections closed, new ones refused)
//   up <broker_id>              bring it back
//   topic <name> <partitions>   create a topic
// Exits on EOF on stdin, SIGTERM or SIGINT.

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

struct Options {
  int brokers = 1;
  std::string bootstrap_file;
  std::vector<std::pair<std::string, int>> topics;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "sluice-kafka-mock: %s\nusage: sluice-kafka-mock --bootstrap-file PATH "
               "[--brokers N] [--topic NAME:PARTITIONS]...\n",
               problem.c_str());
  std::exit(2);
}

bool parse_int(const std::string& text, int& out) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || *end != '\0' || value < 0 || value > 1000000) return false;
  out = static_cast<int>(value);
  return true;
}

Options parse_args(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--brokers") {
      if (!parse_int(value(), options.brokers) || options.brokers < 1) usage("bad --brokers");
    } else if (arg == "--bootstrap-file") {
      options.bootstrap_file = value();
    } else if (arg == "--topic") {
      const std::string spec = value();
      const auto colon = spec.rfind(':');
      int partitions = 0;
      if (colon == std::string::npos || colon == 0 ||
          !parse_int(spec.substr(colon + 1), partitions) || partitions < 1) {
        usage("bad --topic " + spec + " (want NAME:PARTITIONS)");
      }
      options.topics.emplace_back(spec.substr(0, colon), partitions);
    } else {
      usage("unknown argument " + arg);
    }
  }
  if (options.bootstrap_file.empty()) usage("--bootstrap-file is required");
  return options;
}

void reply(const std::string& line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

std::string error_text(rd_kafka_resp_err_t err) {
  return std::string("error ") + rd_kafka_err2name(err) + ": " + rd_kafka_err2str(err);
}

class MockCluster {
 public:
  MockCluster(int brokers) : brokers_(brokers) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (handle_ == nullptr) {
      std::fprintf(stderr, "sluice-kafka-mock: rd_kafka_new: %s\n", errstr);
      std::exit(1);
    }
    cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
    if (cluster_ == nullptr) {
      std::fprintf(stderr, "sluice-kafka-mock: rd_kafka_mock_cluster_new failed\n");
      std::exit(1);
    }
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

  rd_kafka_resp_err_t create_topic(const std::string& name, int partitions) {
    return rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, std::min(brokers_, 3));
  }

  // Broker ids are 1..N; the mock does not reject others itself, so check here.
  rd_kafka_resp_err_t set_down(int id) {
    if (id < 1 || id > brokers_) return RD_KAFKA_RESP_ERR__UNKNOWN_BROKER;
    return rd_kafka_mock_broker_set_down(cluster_, id);
  }
  rd_kafka_resp_err_t set_up(int id) {
    if (id < 1 || id > brokers_) return RD_KAFKA_RESP_ERR__UNKNOWN_BROKER;
    return rd_kafka_mock_broker_set_up(cluster_, id);
  }

 private:
  int brokers_;
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

std::string run_command(MockCluster& cluster, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  std::string arg1;
  std::string arg2;
  std::string extra;
  in >> verb >> arg1 >> arg2 >> extra;
  int number = 0;
  if (verb == "down" || verb == "up") {
    if (!parse_int(arg1, number) || !arg2.empty()) return "error usage: " + verb + " <broker_id>";
    const auto err = verb == "down" ? cluster.set_down(number) : cluster.set_up(number);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : error_text(err);
  }
  if (verb == "topic") {
    if (arg1.empty() || !parse_int(arg2, number) || number < 1 || !extra.empty()) {
      return "error usage: topic <name> <partitions>";
    }
    const auto err = cluster.create_topic(arg1, number);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : error_text(err);
  }
  return "error unknown command: " + line;
}

bool write_bootstrap_file(const std::string& path, const std::string& bootstraps) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << bootstraps << "\n";
    out.flush();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_args(argc, argv);

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  MockCluster cluster(options.brokers);
  for (const auto& [name, partitions] : options.topics) {
    const auto err = cluster.create_topic(name, partitions);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "sluice-kafka-mock: cannot create topic %s: %s\n", name.c_str(),
                   rd_kafka_err2str(err));
      return 1;
    }
  }
  const std::string bootstraps = cluster.bootstraps();
  if (!write_bootstrap_file(options.bootstrap_file, bootstraps)) {
    std::fprintf(stderr, "sluice-kafka-mock: cannot write %s: %s\n", options.bootstrap_file.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "sluice-kafka-mock: %d broker(s) at %s\n", options.brokers,
               bootstraps.c_str());

  std::string buffer;
  while (!g_stop) {
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 200);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char chunk[1024];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the fixture (or its process) went away
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      reply(run_command(cluster, line));
    }
  }
  return 0;
}
