#include "daemons/sluice/tso_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/log/logging.h"
#include "core/tso/tso_server.h"
#include "daemons/common/command_line.h"
#include "daemons/common/stop_signals.h"

namespace sluice::tools {

int run_tso(const TsoCommandOptions& options) {
  const daemon::StopSignals stop_signals;  // before the server's threads start
  log::LogOptions log_options;
  log_options.level = options.log_level;
  log_options.program = "tso";
  if (Status logging = log::configure_logging(log_options); !logging.is_ok()) {
    return daemon::fail("sluice tso", fmt::format("logging: {}", logging.message()));
  }
  if (options.etcd_urls.empty()) {
    return daemon::fail("sluice tso", "--etcd-urls is required (e.g. http://127.0.0.1:2379)");
  }
  tso::TsoServerOptions server_options;
  server_options.etcd_urls = options.etcd_urls;
  server_options.listen_addr = options.addr;
  server_options.advertise_addr = options.advertise_addr;
  server_options.name = options.name;
  auto server = tso::TsoServer::start(server_options);
  if (!server.is_ok()) return daemon::fail("sluice tso", server.status().to_string());
  fmt::print("sluice tso serving pdpb.PD/Tso on {} (cluster id {}, etcd {})\n",
             (*server)->address(), (*server)->cluster_id(), options.etcd_urls);
  std::fflush(stdout);
  bool stop = false;
  stop_signals.wait_for_stop([&] { return stop; }, [&] { stop = true; });
  (*server)->stop(/*resign=*/true);
  spdlog::info("sluice tso stopped (leadership handed over)");
  return 0;
}

}  // namespace sluice::tools
