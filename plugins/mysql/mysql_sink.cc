// The "mysql" sink: applies transactions to MySQL/MariaDB as the original drainer's SQL loader
// does (facts §6); the behaviour is SqlSink's (sql_sink.h).
#include <sluice/sdk/plugin.h>

#include "plugins/mysql/sink_config.h"
#include "plugins/mysql/sql_sink.h"

namespace sluice::mysql {
namespace {

class MysqlSink : public SqlSink {
 public:
  static sdk::Status validate(const sdk::Config& config) {
    parse_sink_config(config, /*with_secret=*/false);
    return sdk::Status::ok();
  }

  MysqlSink(sdk::Host host, const sdk::Config& config)
      : SqlSink(host, parse_sink_config(config, /*with_secret=*/true), "mysql_sink") {}
};

}  // namespace
}  // namespace sluice::mysql

SLUICE_SINK_PLUGIN(sluice::mysql::MysqlSink, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                   "Applies transactions to MySQL/MariaDB as SQL (the original drainer's loader)",
                   0)
