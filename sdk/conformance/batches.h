#pragma once
// The data the conformance checks send: fixed, so a plugin's output can be compared with what a
// test worked out by hand. Each TestBatch owns its bytes (through its BatchBuilder); a Delivery
// stamps positions the way the host does for one instance.

#include <sluice/plugin_abi.h>
#include <sluice/sdk/testing/batch_builder.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sluice::conformance {

struct TestBatch {
  std::unique_ptr<sdk::testing::BatchBuilder> builder;
  const sluice_batch_t* batch = nullptr;  // owned by builder
  bool ddl = false;                       // one DDL transaction: flush everything before it
  int64_t last_commit_ts = 0;
  std::string label;  // for messages: "batch 1 (DML)"
};

// The standard sequence: `dml_batches` batches of DML on `test`.`items` (each: a transaction of
// two inserts, one of an update, one of a delete; int, varchar, decimal-as-text and NULL values),
// with a DDL transaction alone as the second batch. Commit timestamps start at 1000 and grow by
// 10 per transaction; start_ts = commit_ts - 3.
std::vector<TestBatch> standard_batches(int dml_batches);

// Awkward values on `test`.`edge` (extreme integers, NaN and infinities, empty and binary
// strings, invalid UTF-8, control characters, NULLs): two transactions from `first_commit_ts`.
TestBatch edge_case_batch(int64_t first_commit_ts);

// Stamps batches for one instance as the host does: a copy of the transaction array whose
// positions count up by one per transaction delivered. The stamped batch stays valid (and is
// re-sent unchanged on RETRY) until the next stamp().
class Delivery {
 public:
  const sluice_batch_t* stamp(const sluice_batch_t& source);

 private:
  std::vector<sluice_transaction_t> transactions_;
  sluice_batch_t batch_{};
  uint64_t next_position_ = 0;
};

}  // namespace sluice::conformance
