#pragma once

// An in-memory store for kernel tests: the same command semantics as the real
// adapters (aio_adapters/store), with none of their I/O, plus fault injection
// before processing (nothing applied) and after processing (applied, but the
// caller is told it failed).

#include <map>
#include <random>
#include <string>

#include "queues/aio.hpp"

namespace resonate::tests {

class fake_store {
public:
  struct task_row {
    int64_t counter = 1;
    int state = 4;
  };

  std::map<std::string, queues::promise_record> promises;
  std::map<std::string, task_row> tasks;
  double fail_before = 0;  ///< probability a submission fails without effect
  double fail_after = 0;   ///< probability a submission takes effect but reports failure
  std::mt19937_64* rng = nullptr;

  queues::aio_results process(const queues::aio_batch& batch);
  queues::aio_cqe process_one(const queues::aio_sqe& sqe);

private:
  queues::store_result run(const queues::store_command& cmd);
  int64_t next_sort_id_ = 1;
};

/// `*` matches any run of characters; everything else literally.
bool pattern_matches(const std::string& pattern, const std::string& id);

}  // namespace resonate::tests
