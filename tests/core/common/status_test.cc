#include "core/common/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace sluice {
namespace {

TEST(Status, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.is_ok());
  EXPECT_EQ(status.to_string(), "OK");
}

TEST(Status, CarriesCodeAndMessage) {
  Status status = Status::corruption("bad crc at offset 12");
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_EQ(status.to_string(), "Corruption: bad crc at offset 12");
  EXPECT_EQ(status.with_context("binlog-0001").message(), "binlog-0001: bad crc at offset 12");
  EXPECT_TRUE(Status::ok().with_context("x").is_ok());
}

Result<int> half(int value) {
  if (value % 2 != 0) return Status::invalid_argument("odd");
  return value / 2;
}

Result<int> quarter(int value) {
  SLUICE_ASSIGN_OR_RETURN(int halved, half(value));
  SLUICE_ASSIGN_OR_RETURN(int quartered, half(halved));
  return quartered;
}

Status check_even(int value) {
  SLUICE_RETURN_IF_ERROR(half(value).status());
  return Status::ok();
}

TEST(Result, HoldsValueOrStatus) {
  EXPECT_EQ(quarter(8).value(), 2);
  auto failed = quarter(6);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().message(), "odd");
  EXPECT_EQ(failed.value_or(-1), -1);
  EXPECT_TRUE(check_even(4).is_ok());
  EXPECT_EQ(check_even(5).code(), StatusCode::kInvalidArgument);
}

TEST(Result, MovesOnlyTypes) {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(7));
  ASSERT_TRUE(result.is_ok());
  std::unique_ptr<int> taken = std::move(result).value();
  EXPECT_EQ(*taken, 7);
}

}  // namespace
}  // namespace sluice
