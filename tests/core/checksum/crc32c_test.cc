#include "core/checksum/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::checksum {
namespace {

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

TEST(Crc32c, StandardCheckValue) {
  EXPECT_EQ(crc32c(std::string_view("123456789")), 0xE3069283u);
}

TEST(Crc32c, EmptyInputIsZero) {
  EXPECT_EQ(crc32c(std::string_view("")), 0u);
}

// Published CRC-32C test vectors (RFC 3720, iSCSI, appendix B.4).
TEST(Crc32c, Rfc3720Vectors) {
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i)
    ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  std::string descending;
  for (int i = 31; i >= 0; --i)
    descending.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(Crc32c, ExtendEqualsWholeForEverySplit) {
  std::mt19937 random(42);
  std::string data(1000, '\0');
  for (char& c : data)
    c = static_cast<char>(random());
  const uint32_t whole = crc32c(data);
  for (size_t split = 0; split <= data.size(); split += 37) {
    const std::string head = data.substr(0, split);
    const std::string tail = data.substr(split);
    EXPECT_EQ(crc32c_extend(crc32c(head), bytes_of(tail)), whole) << "split at " << split;
  }
}

TEST(Crc32c, PortableFallbackMatchesVectorsAndHardware) {
  EXPECT_EQ(detail::crc32c_extend_portable(0, bytes_of("123456789")), 0xE3069283u);
  EXPECT_EQ(detail::crc32c_extend_portable(0, bytes_of(std::string(32, '\xFF'))), 0x62A8AB43u);
  std::mt19937 random(7);
  for (size_t size : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u}) {
    std::string data(size, '\0');
    for (char& c : data)
      c = static_cast<char>(random());
    const uint32_t seed = crc32c(std::string_view("seed"));
    EXPECT_EQ(detail::crc32c_extend_portable(seed, bytes_of(data)),
              crc32c_extend(seed, bytes_of(data)))
        << "size " << size;
  }
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  std::string data(4096, 'x');
  const uint32_t original = crc32c(data);
  data[1234] ^= 0x10;
  EXPECT_NE(crc32c(data), original);
}

}  // namespace
}  // namespace sluice::checksum
