#pragma once
// Status: the outcome of an operation that can fail in normal operation (bad input, I/O, a peer
// that went away). Cheap to copy when ok; carries a code and a human-readable message otherwise.
// Thread-safety: a value type; distinct objects may be used from distinct threads.

#include <string>
#include <string_view>
#include <utility>

namespace sluice {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something malformed (bad config, bad bytes)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a thing that must be unique exists already
  kCorruption,          // stored or received data failed a consistency check
  kIoError,             // the operating system refused a read, write or sync
  kUnavailable,         // a peer or resource is temporarily unreachable; retrying may help
  kResourceExhausted,   // out of space, memory or quota
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kUnsupported,         // a valid request this build or component cannot serve
  kAborted,             // stopped on purpose (shutdown)
  kInternal,            // a bug: an invariant did not hold
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string message) {
    return {StatusCode::kInvalidArgument, std::move(message)};
  }
  static Status not_found(std::string message) {
    return {StatusCode::kNotFound, std::move(message)};
  }
  static Status already_exists(std::string message) {
    return {StatusCode::kAlreadyExists, std::move(message)};
  }
  static Status corruption(std::string message) {
    return {StatusCode::kCorruption, std::move(message)};
  }
  static Status io_error(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
  static Status unavailable(std::string message) {
    return {StatusCode::kUnavailable, std::move(message)};
  }
  static Status resource_exhausted(std::string message) {
    return {StatusCode::kResourceExhausted, std::move(message)};
  }
  static Status failed_precondition(std::string message) {
    return {StatusCode::kFailedPrecondition, std::move(message)};
  }
  static Status unsupported(std::string message) {
    return {StatusCode::kUnsupported, std::move(message)};
  }
  static Status aborted(std::string message) { return {StatusCode::kAborted, std::move(message)}; }
  static Status internal(std::string message) {
    return {StatusCode::kInternal, std::move(message)};
  }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: <message>", or "OK".
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>"; an ok status stays ok.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace sluice

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define SLUICE_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::sluice::Status sluice_status_ = (expr);           \
    if (!sluice_status_.is_ok()) return sluice_status_; \
  } while (false)
