#include "plugins/mysql/loader_status.h"

namespace sluice::mysql {

Status to_core_status(const sdk::Status& status) {
  switch (status.code()) {
    case sdk::Code::kOk:
      return Status::ok();
    case sdk::Code::kRetry:
      return Status::unavailable(status.message());
    case sdk::Code::kUnsupported:
      return Status::unsupported(status.message());
    case sdk::Code::kRejected:
      return Status::invalid_argument(status.message());
    default:
      return Status::failed_precondition(status.message());
  }
}

}  // namespace sluice::mysql
