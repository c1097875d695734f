#pragma once
// ReparoFilter: which schemas and tables Reparo replays, with the original's pkg/filter semantics
// (facts §6 "Filters"): names compare case-insensitively; a name starting with '~' is a
// case-insensitive regular expression searched anywhere in the name (Go's MatchString is
// unanchored). A table passes when it survives the allow-list (replicate-do-db OR
// replicate-do-table; both empty = everything) and then the block-list (replicate-ignore-db,
// replicate-ignore-table). For a statement without a table (CREATE/DROP DATABASE) a do-table rule
// allows its schema and ignore-table rules do not apply. Immutable after create(); any thread.

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "daemons/reparo/reparo_config.h"

namespace sluice::reparo {

class ReparoFilter {
 public:
  // Compiles the patterns of `config`; an invalid regular expression is InvalidArgument.
  static Result<ReparoFilter> create(const ReparoConfig& config);

  // True when changes to `schema`.`table` (table empty: the schema itself) are replayed.
  bool allows(std::string_view schema, std::string_view table) const;

 private:
  struct Pattern {
    std::string exact;  // lower-cased; empty when `regex` is used
    bool is_regex = false;
    std::regex regex;
    bool matches(std::string_view name) const;
  };
  struct TablePattern {
    Pattern db;
    Pattern table;
  };
  static Result<Pattern> compile(const std::string& name);

  std::vector<Pattern> do_dbs_;
  std::vector<TablePattern> do_tables_;
  std::vector<Pattern> ignore_dbs_;
  std::vector<TablePattern> ignore_tables_;
};

}  // namespace sluice::reparo
