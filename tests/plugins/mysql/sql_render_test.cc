// SQL rendering against statements written out by hand from the facts (§6 "SQL sinks").
#include "plugins/mysql/sql_render.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tests/plugins/mysql/dml_builders.h"

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

std::vector<Statement> render(const Dml& dml, bool safe = false) {
  std::vector<Statement> out;
  const auto status = render_dml(dml, safe, out);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return out;
}

BoundValue text(std::string value) {
  return BoundValue{std::move(value), false};
}
BoundValue bytes(std::string value) {
  return BoundValue{std::move(value), true};
}
BoundValue number(int64_t value) {
  return BoundValue{value, false};
}
const BoundValue kNull{std::monostate{}, false};

TEST(SqlRenderTest, InsertQuotesIdentifiersAndBindsEveryKind) {
  const Dml dml =
      make(DmlType::kInsert, orders(), {}, {int64_t{-7}, "a'b"s, std::monostate{}, "\x00\xff'"s});
  const BoundValues params{number(-7), text("a'b"), kNull, bytes("\x00\xff'"s)};
  EXPECT_EQ(
      render(dml),
      (std::vector<Statement>{
          {"INSERT INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES (?,?,?,?)", params}}));
  EXPECT_EQ(
      render(dml, /*safe=*/true),
      (std::vector<Statement>{
          {"REPLACE INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES (?,?,?,?)", params}}));
}

TEST(SqlRenderTest, SqlSyntaxInAValueStaysOutOfTheText) {
  const std::string hostile = "'); DROP TABLE x; --";
  const Dml dml = make(DmlType::kDelete, orders(), {int64_t{1}, hostile, hostile, ""s}, {});
  const auto statements = render(dml);
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0].sql, "DELETE FROM `shop`.`orders` WHERE `id` = ? LIMIT 1");
  EXPECT_EQ(statements[0].params, (BoundValues{number(1)}));
}

TEST(SqlRenderTest, UpdateUsesThePrimaryKeyOfTheOldRow) {
  const Dml dml = make(DmlType::kUpdate, orders(), {int64_t{1}, "c1"s, "old"s, ""s},
                       {int64_t{2}, "c1"s, std::monostate{}, ""s});
  EXPECT_EQ(render(dml),
            (std::vector<Statement>{{"UPDATE `shop`.`orders` SET `id` = ?, `code` = ?, `note` = ?, "
                                     "`data` = ? WHERE `id` = ? LIMIT 1",
                                     {number(2), text("c1"), kNull, bytes(""), number(1)}}}));
  EXPECT_EQ(render(dml, /*safe=*/true),
            (std::vector<Statement>{
                {"DELETE FROM `shop`.`orders` WHERE `id` = ? LIMIT 1", {number(1)}},
                {"REPLACE INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES (?,?,?,?)",
                 {number(2), text("c1"), kNull, bytes("")}}}));
}

TEST(SqlRenderTest, WhereFallsBackToTheFirstNonNullUniqueKeyThenAllColumns) {
  auto table = std::make_shared<TableInfo>();
  table->schema = "s";
  table->table = "t`x";
  table->columns = {{"a", 3, false, false}, {"b", 15, false, false}, {"g", 3, false, true}};
  table->keys = {{"uk_a", false, {0}}, {"uk_b", false, {1}}};
  const Dml by_b = make(DmlType::kDelete, table, {std::monostate{}, "x"s, int64_t{9}}, {});
  EXPECT_EQ(
      render(by_b),
      (std::vector<Statement>{{"DELETE FROM `s`.`t``x` WHERE `b` = ? LIMIT 1", {text("x")}}}));
  // Both keys NULL: every column except the generated one, NULLs as IS NULL.
  const Dml all =
      make(DmlType::kDelete, table, {std::monostate{}, std::monostate{}, int64_t{9}}, {});
  EXPECT_EQ(render(all),
            (std::vector<Statement>{
                {"DELETE FROM `s`.`t``x` WHERE `a` IS NULL AND `b` IS NULL LIMIT 1", {}}}));
  // No keys at all.
  table->keys.clear();
  const Dml update = make(DmlType::kUpdate, table, {int64_t{1}, "y"s, int64_t{0}},
                          {uint64_t{18446744073709551615u}, "z"s, int64_t{0}});
  EXPECT_EQ(render(update),
            (std::vector<Statement>{
                {"UPDATE `s`.`t``x` SET `a` = ?, `b` = ? WHERE `a` = ? AND `b` = ? LIMIT 1",
                 {BoundValue{uint64_t{18446744073709551615u}, false}, text("z"), number(1),
                  text("y")}}}));
}

TEST(SqlRenderTest, ConsecutiveInsertsIntoOneTableBecomeOneMultiRowStatement) {
  auto table = orders();
  auto other = std::make_shared<TableInfo>(*table);
  other->table = "other";
  std::vector<Dml> dmls;
  dmls.push_back(make(DmlType::kInsert, table, {}, {int64_t{1}, "a"s, "n"s, "d"s}));
  // A separate but equal layout (another transaction's copy) still joins the run.
  dmls.push_back(make(DmlType::kInsert, std::make_shared<TableInfo>(*table), {},
                      {int64_t{2}, "b"s, std::monostate{}, "e"s}));
  dmls.push_back(make(DmlType::kInsert, other, {}, {int64_t{3}, "c"s, "n"s, "f"s}));
  dmls.push_back(make(DmlType::kDelete, table, {int64_t{1}, "a"s, "n"s, "d"s}, {}));
  dmls.push_back(make(DmlType::kInsert, table, {}, {int64_t{4}, "g"s, "n"s, "h"s}));
  dmls.push_back(make(DmlType::kInsert, table, {}, {int64_t{5}, "i"s, "n"s, "j"s}));
  dmls.push_back(make(DmlType::kInsert, table, {}, {int64_t{6}, "k"s, "n"s, "l"s}));
  std::vector<Statement> out;
  std::vector<size_t> sources;
  ASSERT_TRUE(render_batch(dmls, /*force_safe=*/false, /*max_rows=*/2, out, sources).is_ok());
  const std::string head = "INSERT INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES ";
  const std::vector<Statement> expected{
      {head + "(?,?,?,?),(?,?,?,?)",
       {number(1), text("a"), text("n"), bytes("d"), number(2), text("b"), kNull, bytes("e")}},
      {"INSERT INTO `shop`.`other` (`id`,`code`,`note`,`data`) VALUES (?,?,?,?)",
       {number(3), text("c"), text("n"), bytes("f")}},
      {"DELETE FROM `shop`.`orders` WHERE `id` = ? LIMIT 1", {number(1)}},
      {head + "(?,?,?,?),(?,?,?,?)",
       {number(4), text("g"), text("n"), bytes("h"), number(5), text("i"), text("n"), bytes("j")}},
      {head + "(?,?,?,?)", {number(6), text("k"), text("n"), bytes("l")}}};
  EXPECT_EQ(out, expected);
  EXPECT_EQ(sources, (std::vector<size_t>{0, 2, 3, 4, 6}));
  // Forced safe mode: REPLACE for the inserts, DELETE + REPLACE for an update.
  out.clear();
  sources.clear();
  std::vector<Dml> safe;
  safe.push_back(make(DmlType::kInsert, table, {}, {int64_t{1}, "a"s, "n"s, "d"s}));
  safe.push_back(make(DmlType::kUpdate, table, {int64_t{1}, "a"s, "n"s, "d"s},
                      {int64_t{7}, "a"s, "n"s, "d"s}));
  ASSERT_TRUE(render_batch(safe, /*force_safe=*/true, 100, out, sources).is_ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].sql,
            "REPLACE INTO `shop`.`orders` (`id`,`code`,`note`,`data`) VALUES (?,?,?,?)");
  EXPECT_EQ(out[1].sql, "DELETE FROM `shop`.`orders` WHERE `id` = ? LIMIT 1");
  EXPECT_EQ(out[2].params, (BoundValues{number(7), text("a"), text("n"), bytes("d")}));
  EXPECT_EQ(sources, (std::vector<size_t>{0, 1, 1}));
}

TEST(SqlRenderTest, MultiRowInsertStaysUnderThePlaceholderLimit) {
  auto table = std::make_shared<TableInfo>();
  table->schema = "s";
  table->table = "wide";
  for (int i = 0; i < 1000; ++i)
    table->columns.push_back({"c" + std::to_string(i), 3, false, false});
  std::vector<Dml> dmls;
  for (int row = 0; row < 70; ++row)
    dmls.push_back(make(DmlType::kInsert, table, {}, std::vector<SqlValue>(1000, int64_t{row})));
  std::vector<Statement> out;
  std::vector<size_t> sources;
  ASSERT_TRUE(render_batch(dmls, false, 512, out, sources).is_ok());
  // 65535 / 1000 = 65 rows in the first statement, the other 5 in the second.
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].params.size(), 65000u);
  EXPECT_EQ(out[1].params.size(), 5000u);
  EXPECT_EQ(sources, (std::vector<size_t>{0, 65}));
}

TEST(SqlRenderTest, NonFiniteDoublesAreRejectedWithTheColumnAndTable) {
  const ColumnInfo column{"f", 5, false, false};
  BoundValues out;
  ASSERT_TRUE(bind_value(0.1, column, out).is_ok());
  EXPECT_EQ(out, (BoundValues{BoundValue{0.1, false}}));
  const auto nan = bind_value(std::numeric_limits<double>::quiet_NaN(), column, out);
  EXPECT_EQ(nan.code(), sdk::Code::kRejected);
  EXPECT_NE(nan.message().find("column f"), std::string::npos);
  const Dml dml = make(DmlType::kInsert, orders(), {},
                       {-std::numeric_limits<double>::infinity(), "c"s, "n"s, "d"s});
  std::vector<Statement> statements;
  const auto status = render_dml(dml, false, statements);
  EXPECT_EQ(status.code(), sdk::Code::kRejected);
  EXPECT_NE(status.message().find("shop.orders"), std::string::npos) << status.message();
}

TEST(SqlRenderTest, RowOfTheWrongWidthIsRejected) {
  const Dml dml = make(DmlType::kInsert, orders(), {}, {int64_t{1}});
  std::vector<Statement> statements;
  EXPECT_EQ(render_dml(dml, false, statements).code(), sdk::Code::kRejected);
}

TEST(SqlRenderTest, HexLiteralForDisplay) {
  EXPECT_EQ(hex_literal("\x00\xff'"s), "X'00FF27'");
  EXPECT_EQ(hex_literal(""), "X''");
}

}  // namespace
}  // namespace sluice::mysql
