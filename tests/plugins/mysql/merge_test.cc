// merge = true: a batch collapsed by primary key, and its bulk SQL, against results worked out
// by hand (facts §6, "[syncer.to] merge").
#include "plugins/mysql/merge.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "plugins/mysql/sql_render.h"
#include "tests/plugins/mysql/dml_builders.h"

namespace sluice::mysql {
namespace {

using namespace std::string_literals;

std::shared_ptr<TableInfo> table(std::string name, std::vector<std::string> columns,
                                 std::vector<size_t> primary) {
  auto out = std::make_shared<TableInfo>();
  out->schema = "s";
  out->table = std::move(name);
  for (auto& column : columns)
    out->columns.push_back({std::move(column), 3, false, false});
  if (!primary.empty()) out->keys.push_back({"PRIMARY", true, std::move(primary)});
  return out;
}

BoundValue v(SqlValue value) {
  return BoundValue{std::move(value), false};
}

TEST(MergeTest, EachKeyEndsAsOneDeleteOrOneReplace) {
  const auto t = table("t", {"id", "v"}, {0});
  const auto bag = table("bag", {"a"}, {});
  std::vector<Dml> dmls;
  dmls.push_back(make(DmlType::kInsert, t, {}, {int64_t{1}, "a"s}));
  dmls.push_back(make(DmlType::kInsert, bag, {}, {int64_t{9}}));
  dmls.push_back(make(DmlType::kUpdate, t, {int64_t{1}, "a"s}, {int64_t{1}, "b"s}));
  dmls.push_back(make(DmlType::kInsert, t, {}, {int64_t{2}, "c"s}));
  dmls.push_back(make(DmlType::kDelete, t, {int64_t{2}, "c"s}, {}));
  dmls.push_back(make(DmlType::kUpdate, t, {int64_t{3}, "x"s}, {int64_t{4}, "y"s}));  // PK moves
  dmls.push_back(make(DmlType::kDelete, t, {int64_t{5}, "z"s}, {}));
  dmls.push_back(make(DmlType::kInsert, t, {}, {int64_t{5}, "w"s}));  // deleted, then back
  const std::vector<Dml> merged = merge_by_primary_key(std::move(dmls));

  std::vector<Statement> out;
  std::vector<size_t> sources;
  ASSERT_TRUE(render_batch(merged, false, 100, out, sources, /*bulk_deletes=*/true).is_ok());
  const std::vector<Statement> expected{
      {"DELETE FROM `s`.`t` WHERE `id` IN (?,?)", {v(int64_t{2}), v(int64_t{3})}},
      {"REPLACE INTO `s`.`t` (`id`,`v`) VALUES (?,?),(?,?),(?,?)",
       {v(int64_t{1}), v("b"s), v(int64_t{4}), v("y"s), v(int64_t{5}), v("w"s)}},
      {"INSERT INTO `s`.`bag` (`a`) VALUES (?)", {v(int64_t{9})}}};
  EXPECT_EQ(out, expected);
  EXPECT_EQ(sources, (std::vector<size_t>{0, 2, 5}));
}

TEST(MergeTest, CompositeKeysDeleteWithRowConstructorsAndStringKeysStayApart) {
  const auto c = table("c", {"a", "b", "v"}, {0, 1});
  std::vector<Dml> dmls;
  dmls.push_back(make(DmlType::kDelete, c, {int64_t{1}, "x"s, int64_t{0}}, {}));
  // ("1", "x") is another key than (1, "x"): values are compared with their kinds.
  dmls.push_back(make(DmlType::kDelete, c, {"1"s, "x"s, int64_t{0}}, {}));
  dmls.push_back(make(DmlType::kDelete, c, {int64_t{1}, "x"s, int64_t{7}}, {}));  // same key
  const std::vector<Dml> merged = merge_by_primary_key(std::move(dmls));
  ASSERT_EQ(merged.size(), 2u);
  std::vector<Statement> out;
  std::vector<size_t> sources;
  ASSERT_TRUE(render_batch(merged, false, 100, out, sources, /*bulk_deletes=*/true).is_ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sql, "DELETE FROM `s`.`c` WHERE (`a`,`b`) IN ((?,?),(?,?))");
  EXPECT_EQ(out[0].params, (BoundValues{v(int64_t{1}), v("x"s), v("1"s), v("x"s)}));
  // Without bulk deletes (merge off) the same DMLs keep the original's one-row DELETEs.
  out.clear();
  sources.clear();
  ASSERT_TRUE(render_batch(merged, false, 100, out, sources).is_ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].sql, "DELETE FROM `s`.`c` WHERE `a` = ? AND `b` = ? LIMIT 1");
}

}  // namespace
}  // namespace sluice::mysql
