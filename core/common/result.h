#pragma once
// Result<T>: either a value of type T or a non-ok Status explaining why there is none.
// Accessing value() of an error Result is a bug and asserts.

#include <cassert>
#include <utility>
#include <variant>

#include "core/common/status.h"

namespace sluice {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(state_).is_ok() && "a Result cannot hold an ok Status without a value");
  }

  bool is_ok() const { return state_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<1>(state_);
  }

  T& value() & {
    assert(is_ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(is_ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(is_ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  T value_or(T fallback) const& { return is_ok() ? std::get<0>(state_) : std::move(fallback); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// SLUICE_ASSIGN_OR_RETURN(auto x, expr): evaluates expr (a Result); on error returns its Status
// from the enclosing function, otherwise moves the value into the declaration.
#define SLUICE_ASSIGN_OR_RETURN(decl, expr)                  \
  auto SLUICE_CONCAT(sluice_result_, __LINE__) = (expr);     \
  if (!SLUICE_CONCAT(sluice_result_, __LINE__).is_ok())      \
    return SLUICE_CONCAT(sluice_result_, __LINE__).status(); \
  decl = std::move(SLUICE_CONCAT(sluice_result_, __LINE__)).value()
