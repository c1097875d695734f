#include "daemons/arbiter/arbiter.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "plugins/mysql/ddl.h"
#include "plugins/mysql/event_conversion.h"
#include "plugins/mysql/loader_status.h"

namespace sluice::arbiter {
namespace {

mysql::ApplierOptions applier_options(const ArbiterConfig& config) {
  mysql::ApplierOptions options;
  options.connection.host = config.down.host;
  options.connection.port = config.down.port;
  options.connection.user = config.down.user;
  options.connection.password = config.down.password;
  options.plan.worker_count = static_cast<size_t>(config.down.worker_count);
  options.plan.txn_batch = static_cast<size_t>(config.down.batch_size);
  return options;
}

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Arbiter::Arbiter(const ArbiterConfig& config, metrics::MetricsRegistry& metrics)
    : config_(config), applier_(applier_options(config)) {
  // The loader's threshold (txn-batch x worker-count x 3 DMLs buffered), as the mysql sink.
  apply_threshold_ = static_cast<size_t>(config.down.batch_size) *
                     static_cast<size_t>(config.down.worker_count) * 3;
  checkpoint_gauge_ = &prometheus::BuildGauge()
                           .Name("binlog_arbiter_checkpoint_tso")
                           .Help("The commit_ts up to which everything is applied downstream")
                           .Register(metrics.get())
                           .Add({});
  auto& events = prometheus::BuildCounter()
                     .Name("binlog_arbiter_event")
                     .Help("Events applied downstream, by type")
                     .Register(metrics.get());
  insert_events_ = &events.Add({{"type", "Insert"}});
  update_events_ = &events.Add({{"type", "Update"}});
  delete_events_ = &events.Add({{"type", "Delete"}});
  ddl_events_ = &events.Add({{"type", "DDL"}});
  skipped_messages_ = &prometheus::BuildCounter()
                           .Name("binlog_arbiter_skipped_messages")
                           .Help("Messages that are not secondary binlogs, skipped")
                           .Register(metrics.get())
                           .Add({});
}

Arbiter::~Arbiter() {
  applier_.close();
}

bool Arbiter::in_safe_mode() const {
  return config_.down.safe_mode || steady_now_ns() < safe_mode_until_ns_.load();
}

template <typename Attempt>
Status Arbiter::retry(const char* what, Attempt&& attempt) {
  auto backoff = kMinBackoff;
  auto last_warning = std::chrono::steady_clock::time_point{};
  for (;;) {
    Status status = attempt();
    if (status.is_ok() || status.code() != StatusCode::kUnavailable) return status;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_warning >= KafkaSource::kWarningInterval) {
      last_warning = now;
      spdlog::warn("{}: {}; retrying every {} ms", what, status.message(), backoff.count());
    }
    for (auto waited = std::chrono::milliseconds(0); waited < backoff;
         waited += std::chrono::milliseconds(100)) {
      if (stopping()) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

Status Arbiter::save(CheckpointStatus status) {
  return retry("saving the checkpoint downstream", [&]() -> Status {
    sdk::Status sdk_status;
    mysql::MysqlConnection* connection = applier_.connection(0, sdk_status);
    if (connection != nullptr) {
      sdk_status = save_arbiter_checkpoint(*connection, config_.up.topic,
                                           ArbiterCheckpoint{taken_ts_, status});
      if (sdk_status.is_ok()) return Status::ok();
      if (sdk_status.code() == sdk::Code::kRetry) applier_.drop_connection(0);
    }
    return mysql::to_core_status(sdk_status);
  });
}

Status Arbiter::open_downstream() {
  std::optional<ArbiterCheckpoint> found;
  SLUICE_RETURN_IF_ERROR(retry("connecting to the downstream database", [&]() -> Status {
    sdk::Status status;
    mysql::MysqlConnection* connection = applier_.connection(0, status);
    if (connection != nullptr) {
      status = create_arbiter_checkpoint_table(*connection);
      if (status.is_ok()) status = load_arbiter_checkpoint(*connection, config_.up.topic, found);
      if (status.is_ok()) return Status::ok();
      if (status.code() == sdk::Code::kRetry) applier_.drop_connection(0);
    }
    return mysql::to_core_status(status).with_context(
        fmt::format("{}:{}", config_.down.host, config_.down.port));
  }));
  if (found) {
    taken_ts_ = found->ts;
    if (found->status == CheckpointStatus::kRunning) {
      safe_mode_until_ns_.store(
          steady_now_ns() +
          std::chrono::duration_cast<std::chrono::nanoseconds>(kRecoverySafeMode).count());
      spdlog::warn(
          "the checkpoint of topic {} says running: the last run did not stop cleanly; applying "
          "in safe mode for {} minutes",
          config_.up.topic, kRecoverySafeMode.count());
    }
    spdlog::info("resuming topic {} after commit_ts {}", config_.up.topic, taken_ts_);
  } else {
    taken_ts_ = config_.up.initial_commit_ts;
    spdlog::info("no checkpoint for topic {}: starting after initial-commit-ts {}",
                 config_.up.topic, taken_ts_);
  }
  checkpoint_ts_.store(taken_ts_);
  checkpoint_gauge_->Set(static_cast<double>(taken_ts_));
  SLUICE_RETURN_IF_ERROR(save(CheckpointStatus::kRunning));
  saved_ts_ = taken_ts_;
  return Status::ok();
}

Status Arbiter::flush(CheckpointStatus status) {
  if (applier_.pending() > 0) {
    Status applied = retry("applying rows downstream", [&]() -> Status {
      const sdk::Status result = applier_.apply();
      return mysql::to_core_status(result);
    });
    if (!applied.is_ok()) return applied;
  }
  if (saved_ts_ == taken_ts_ && status == CheckpointStatus::kRunning) return Status::ok();
  SLUICE_RETURN_IF_ERROR(save(status));
  saved_ts_ = taken_ts_;
  checkpoint_ts_.store(taken_ts_);
  checkpoint_gauge_->Set(static_cast<double>(taken_ts_));
  return Status::ok();
}

Status Arbiter::apply_ddl(const drainer::DrainerTransaction& transaction) {
  SLUICE_RETURN_IF_ERROR(flush(CheckpointStatus::kRunning));
  SLUICE_RETURN_IF_ERROR(retry("applying a DDL downstream", [&]() -> Status {
    sdk::Status status;
    mysql::MysqlConnection* connection = applier_.connection(0, status);
    if (connection != nullptr) {
      mysql::DdlOutcome outcome = mysql::DdlOutcome::kApplied;
      std::string note;
      status = mysql::apply_ddl(*connection, transaction.ddl_schema, transaction.ddl_query, outcome,
                                note);
      if (status.is_ok()) {
        applier_.table_changed(transaction.ddl_schema, "");
        if (outcome == mysql::DdlOutcome::kIgnored) {
          spdlog::warn("DDL at commit_ts {} skipped, already in effect downstream ({}): {}",
                       transaction.commit_ts, note, transaction.ddl_query);
        }
        return Status::ok();
      }
      if (status.code() == sdk::Code::kRetry) applier_.drop_connection(0);
    }
    return mysql::to_core_status(status).with_context(
        fmt::format("DDL at commit_ts {}", transaction.commit_ts));
  }));
  ddl_events_->Increment();
  taken_ts_ = transaction.commit_ts;
  return flush(CheckpointStatus::kRunning);
}

Status Arbiter::handle(const AssembledTransaction& transaction) {
  // Decode every part first: a bad part must not leave half a transaction buffered.
  std::vector<std::unique_ptr<drainer::DrainerTransaction>> parts;
  for (const std::string& value : transaction.values) {
    auto decoded = decoder_.decode(value);
    if (!decoded.is_ok()) {
      const std::string message =
          fmt::format("offset {} of topic {} partition 0 is not a secondary binlog: {}",
                      transaction.first_offset, config_.up.topic, decoded.status().message());
      if (!config_.up.skip_invalid_message) {
        return Status::corruption(message +
                                  " (set [up] skip-invalid-message = true to skip such messages)");
      }
      spdlog::error("{}; skipped (skip-invalid-message)", message);
      skipped_messages_->Increment();
      return Status::ok();
    }
    parts.push_back(std::move(decoded).value());
  }
  const int64_t commit_ts = parts.front()->commit_ts;
  for (const auto& part : parts) {
    if (part->commit_ts != commit_ts ||
        (transaction.commit_ts && *transaction.commit_ts != commit_ts)) {
      return Status::corruption(fmt::format(
          "offset {} of topic {}: the parts of one transaction carry commit_ts {} and {}",
          transaction.first_offset, config_.up.topic, transaction.commit_ts.value_or(commit_ts),
          part->commit_ts));
    }
  }
  if (commit_ts <= taken_ts_) {
    spdlog::debug("commit_ts {} at offset {} is applied already; skipped", commit_ts,
                  transaction.first_offset);
    return Status::ok();
  }
  SLUICE_RETURN_IF_ERROR(assembler_.check_nothing_pending_before(commit_ts));
  if (parts.front()->ddl) {
    if (parts.size() != 1) {
      return Status::corruption(fmt::format("offset {}: a DDL split over {} messages",
                                            transaction.first_offset, parts.size()));
    }
    return apply_ddl(*parts.front());
  }
  const bool safe_mode = in_safe_mode();
  std::vector<mysql::Dml> dmls;
  for (const auto& part : parts) {
    mysql::TableCache tables;
    for (const sluice_event_t& raw : part->events) {
      const sdk::Event event(&raw);
      if (event.type() == sdk::EventType::kDdl) continue;
      mysql::Dml& dml = dmls.emplace_back();
      if (sdk::Status status = mysql::to_dml(event, commit_ts, safe_mode, tables, dml);
          !status.is_ok()) {
        return Status::corruption(fmt::format(
            "offset {} (commit_ts {}): {}", transaction.first_offset, commit_ts, status.message()));
      }
    }
  }
  for (mysql::Dml& dml : dmls) {
    switch (dml.type) {
      case mysql::DmlType::kInsert:
        insert_events_->Increment();
        break;
      case mysql::DmlType::kUpdate:
        update_events_->Increment();
        break;
      case mysql::DmlType::kDelete:
        delete_events_->Increment();
        break;
    }
    applier_.add(std::move(dml));
  }
  taken_ts_ = commit_ts;
  if (applier_.pending() >= apply_threshold_) return flush(CheckpointStatus::kRunning);
  return Status::ok();
}

Status Arbiter::run() {
  if (config_.up.kafka_version != "0.8.2.0" && !config_.up.kafka_version.empty()) {
    spdlog::info("[up] kafka-version \"{}\" is ignored: librdkafka negotiates the protocol",
                 config_.up.kafka_version);
  }
  if (config_.down.safe_mode) spdlog::info("safe mode is on ([down] safe-mode)");
  Status opened = open_downstream();
  if (!opened.is_ok()) return stopping() ? Status::ok() : opened;

  SLUICE_ASSIGN_OR_RETURN(
      std::unique_ptr<KafkaSource> source,
      KafkaSource::create(config_.up.kafka_addrs, config_.up.topic, [this] { return stopping(); }));
  auto offset = source->offset_after(taken_ts_);
  if (!offset.is_ok()) {
    if (offset.status().code() == StatusCode::kAborted) return flush(CheckpointStatus::kNormal);
    return offset.status();
  }
  SLUICE_RETURN_IF_ERROR(source->start(*offset));

  while (!stopping()) {
    auto polled = source->poll(std::chrono::milliseconds(200));
    if (!polled.is_ok()) return polled.status();
    if (!*polled) {
      // Idle: commit what is buffered so the downstream does not lag while the topic is quiet.
      Status flushed = flush(CheckpointStatus::kRunning);
      if (!flushed.is_ok()) return stopping() ? Status::ok() : flushed;
      continue;
    }
    auto assembled = assembler_.add(std::move(**polled));
    if (!assembled.is_ok()) return assembled.status();
    if (!*assembled) continue;
    Status handled = handle(**assembled);
    if (!handled.is_ok()) {
      if (stopping() && handled.code() == StatusCode::kUnavailable) break;
      return handled;
    }
    assembler_.drop_through(taken_ts_);
  }
  // A clean stop: everything taken applied, then status normal.
  Status flushed = flush(CheckpointStatus::kNormal);
  if (!flushed.is_ok()) {
    return flushed.with_context(
        "stopping with rows not applied (the checkpoint stays running; the next start replays "
        "them in safe mode)");
  }
  spdlog::info("stopped cleanly at commit_ts {}", taken_ts_);
  return Status::ok();
}

}  // namespace sluice::arbiter
