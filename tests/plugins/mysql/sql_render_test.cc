// SQL rendering against statements written out by hand from the facts (§6 "SQL sinks").
#include "plugins/mysql/sql_render.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace sluice::mysql {
namespace {

using namespace std::string_literals;

// shop.orders: id int PK, code varchar UNIQUE (uk_code), note varchar, data blob (binary).
std::shared_ptr<TableInfo> orders() {
  auto table = std::make_shared<TableInfo>();
  table->schema = "shop";
  table->table = "orders";
  table->columns = {{"id", 3, false, false},
                    {"code", 15, false, false},
                    {"note", 15, false, false},
                    {"data", 252, true, false}};
  table->keys = {{"PRIMARY", true, {0}}, {"uk_code", false, {1}}};
  return table;
}

std::vector<std::string> render(const Dml& dml, bool safe = false, bool backslash = true) {
  std::vector<std::string> out;
  const auto status = render_dml(dml, safe, RenderOptions{backslash}, out);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return out;
}

Dml make(DmlType type, std::shared_ptr<const TableInfo> table, std::vector<SqlValue> old_values,
         std::vector<SqlValue> new_values) {
  Dml dml;
  dml.type = type;
  dml.table = std::move(table);
  dml.old_values = std::move(old_values);
  dml.new_values = std::move(new_values);
  return dml;
}

TEST(SqlRenderTest, InsertQuotesIdentifiersAndRendersEveryKind) {
  const Dml dml =
      make(DmlType::kInsert, orders(), {}, {int64_t{-7}, "a'b"s, std::monostate{}, "\x00\xff'"s});
  EXPECT_EQ(render(dml), std::vector<std::string>{
                             "INSERT INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES "
                             "(-7,'a\\'b',NULL,X'00FF27')"});
  EXPECT_EQ(render(dml, /*safe=*/true).front(),
            "REPLACE INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES "
            "(-7,'a\\'b',NULL,X'00FF27')");
}

TEST(SqlRenderTest, UpdateUsesThePrimaryKeyOfTheOldRow) {
  const Dml dml = make(DmlType::kUpdate, orders(), {int64_t{1}, "c1"s, "old"s, ""s},
                       {int64_t{2}, "c1"s, std::monostate{}, ""s});
  EXPECT_EQ(render(dml),
            std::vector<std::string>{"UPDATE `shop`.`orders` SET `id` = 2, `code` = 'c1', "
                                     "`note` = NULL, `data` = X'' WHERE `id` = 1 LIMIT 1"});
  EXPECT_EQ(
      render(dml, /*safe=*/true),
      (std::vector<std::string>{"DELETE FROM `shop`.`orders` WHERE `id` = 1 LIMIT 1",
                                "REPLACE INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES "
                                "(2,'c1',NULL,X'')"}));
}

TEST(SqlRenderTest, WhereFallsBackToTheFirstNonNullUniqueKeyThenAllColumns) {
  auto table = std::make_shared<TableInfo>();
  table->schema = "s";
  table->table = "t`x";
  table->columns = {{"a", 3, false, false}, {"b", 15, false, false}, {"g", 3, false, true}};
  table->keys = {{"uk_a", false, {0}}, {"uk_b", false, {1}}};
  const Dml by_b = make(DmlType::kDelete, table, {std::monostate{}, "x"s, int64_t{9}}, {});
  EXPECT_EQ(render(by_b),
            std::vector<std::string>{"DELETE FROM `s`.`t``x` WHERE `b` = 'x' LIMIT 1"});
  // Both keys NULL: every column except the generated one, NULLs as IS NULL.
  const Dml all =
      make(DmlType::kDelete, table, {std::monostate{}, std::monostate{}, int64_t{9}}, {});
  EXPECT_EQ(render(all), std::vector<std::string>{
                             "DELETE FROM `s`.`t``x` WHERE `a` IS NULL AND `b` IS NULL LIMIT 1"});
  // No keys at all.
  table->keys.clear();
  const Dml update = make(DmlType::kUpdate, table, {int64_t{1}, "y"s, int64_t{0}},
                          {uint64_t{18446744073709551615u}, "z"s, int64_t{0}});
  EXPECT_EQ(render(update),
            std::vector<std::string>{"UPDATE `s`.`t``x` SET `a` = 18446744073709551615, "
                                     "`b` = 'z' WHERE `a` = 1 AND `b` = 'y' LIMIT 1"});
}

TEST(SqlRenderTest, StringEscapingFollowsTheSessionMode) {
  const std::string text = "q' d\" b\\ n\n r\r z\x1a nul"s + '\0';
  EXPECT_EQ(quote_string(text, RenderOptions{true}), "'q\\' d\\\" b\\\\ n\\n r\\r z\\Z nul\\0'");
  EXPECT_EQ(quote_string(text, RenderOptions{false}),
            "'q'' d\" b\\ n\n r\r z\x1a nul"s + '\0' + "'");
  EXPECT_EQ(quote_string("\xc3\xa9", RenderOptions{true}), "'\xc3\xa9'");
}

TEST(SqlRenderTest, DoublesAreShortestRoundTripAndNonFiniteIsRejected) {
  const ColumnInfo column{"f", 5, false, false};
  std::string out;
  ASSERT_TRUE(render_value(0.1, column, {}, out).is_ok());
  out += ' ';
  ASSERT_TRUE(render_value(1e300, column, {}, out).is_ok());
  out += ' ';
  ASSERT_TRUE(render_value(-0.0, column, {}, out).is_ok());
  EXPECT_EQ(out, "0.1 1e+300 -0");
  const auto nan = render_value(std::numeric_limits<double>::quiet_NaN(), column, {}, out);
  EXPECT_EQ(nan.code(), sdk::Code::kRejected);
  EXPECT_NE(nan.message().find("column f"), std::string::npos);
  const Dml dml = make(DmlType::kInsert, orders(), {},
                       {-std::numeric_limits<double>::infinity(), "c"s, "n"s, "d"s});
  std::vector<std::string> statements;
  const auto status = render_dml(dml, false, {}, statements);
  EXPECT_EQ(status.code(), sdk::Code::kRejected);
  EXPECT_NE(status.message().find("shop.orders"), std::string::npos) << status.message();
}

TEST(SqlRenderTest, RowOfTheWrongWidthIsRejected) {
  const Dml dml = make(DmlType::kInsert, orders(), {}, {int64_t{1}});
  std::vector<std::string> statements;
  EXPECT_EQ(render_dml(dml, false, {}, statements).code(), sdk::Code::kRejected);
}

}  // namespace
}  // namespace sluice::mysql
