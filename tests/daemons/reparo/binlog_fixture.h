#pragma once
// Test helpers for Reparo: writes binlog files with the real file sink plugin (file.so, driven
// through the SDK's fake host), the "shop" history every Reparo test replays, and a runner for the
// sluice-reparo binary. Not thread-safe; one test at a time.

#include <sluice/sdk/testing/batch_builder.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::reparo::testing {

// Writes the transactions of `builder` into `dir` with file.so (pb-binlog format), rotating at
// `max_file_size` bytes. Fails the current test (ADD_FAILURE) on any error.
void write_binlog_files(const std::filesystem::path& dir, sdk::testing::BatchBuilder& builder,
                        int64_t max_file_size = 512 << 20);

// The history (commit_ts in brackets):
//  [100] CREATE DATABASE shop            [105] CREATE DATABASE other
//  [110] CREATE TABLE shop.items (id BIGINT PRIMARY KEY, name VARCHAR(32) NULL,
//        price DECIMAL(10,2), created DATETIME, data VARBINARY(16) NULL, score DOUBLE NULL)
//  [115] CREATE TABLE other.t (id INT PRIMARY KEY, v VARCHAR(8))
//  [120] items += (1,'apple','1.50','2024-01-02 03:04:05',x'00FF275C',0.5),
//                 (2,'pear','20.00','2024-02-03 04:05:06','ab',-2.25),
//                 (3,NULL,'0.01','2024-03-04 05:06:07',NULL,1e10);  other.t += (1,'a')
//  [130] items 1: name -> 'it''s';  items 2: id -> 20 (a key change);  items -= 3
//  [140] ALTER TABLE items ADD COLUMN note VARCHAR(16) NULL
//  [150] items += (4,'kiwi','3.25','2024-05-06 07:08:09',x'01',NULL,'new');
//        items 1: note NULL -> 'x';  other.t += (2,'b')
//  [160] items -= 20
void add_shop_history(sdk::testing::BatchBuilder& builder);

// Writes the shop history into `dir` with the real file sink.
void write_shop_history(const std::filesystem::path& dir, int64_t max_file_size = 512 << 20);

struct ReparoRun {
  int exit_code = -1;
  std::vector<std::string> stdout_lines;
  std::string log;  // stderr
};

// Runs sluice-reparo with `args` and waits for it (60 s at most).
ReparoRun run_reparo_binary(const std::vector<std::string>& args,
                            const std::filesystem::path& work_dir);

// Writes `text` to `path`.
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace sluice::reparo::testing
