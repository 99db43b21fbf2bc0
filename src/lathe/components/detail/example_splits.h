// How ExampleGen sends rows to splits, and the splits' columnar files. Rows go to splits by hash
// buckets -- of the whole row, or of a key column: a row belongs to the split owning bucket
// (hash mod total buckets), so the assignment is deterministic -- or by ranges of one feature
// ([from, to), the first matching split wins; rows in no range are dropped and counted). Not
// thread-safe: one per execution.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lathe/core/status.h"
#include "lathe/data/columnar.h"

namespace lathe::components::detail {

class SplitPlan {
 public:
  // From ExampleGen's checked parameters (`splits`, `split_key`, `split_ranges`).
  static SplitPlan FromParameters(const nlohmann::json& parameters);

  const std::vector<std::string>& names() const { return names_; }
  bool by_range() const { return by_range_; }
  // Rows dropped so far because no range held them.
  int64_t outside() const { return outside_; }

  // Finds the key or range column in the data's schema; INVALID_ARGUMENT naming `source` and the
  // column when it is absent.
  Status Bind(const data::Schema& schema, const std::string& source);
  // Each row's split index into `target` (-1: outside every range). Bind first.
  void Assign(const data::Batch& batch, std::vector<int>& target);

 private:
  struct Bound {  // one end of a range: a number or text
    bool set = false, numeric = false;
    double number = 0;
    std::string text;
  };
  int RangeSplit(const data::Column& c, size_t row);

  std::vector<std::string> names_;
  std::vector<int64_t> buckets_;  // per split
  int64_t total_ = 0;
  bool by_range_ = false;
  std::string key_name_, range_name_;
  int key_ = -1, range_column_ = -1;
  std::vector<std::pair<Bound, Bound>> bounds_;  // [from, to) per split
  int64_t outside_ = 0;
  std::string scratch_;
};

// One columnar file per split (<dir>/<split>.lcol), opened with the first batch's schema.
class SplitFiles {
 public:
  SplitFiles(std::vector<std::string> names, std::filesystem::path dir)
      : names_(std::move(names)), dir_(std::move(dir)) {}
  // Writes each row to its split's file (rows with target -1 are left out).
  Status Write(const data::Batch& batch, const std::vector<int>& target);
  // Completes every file (empty ones with `schema` when no batch came, a header-only CSV), each
  // with `metadata` plus its split's name; the rows written per split, in split order.
  Result<std::vector<int64_t>> Close(const data::Schema& schema, const nlohmann::json& metadata);

 private:
  Status Open(const data::Schema& schema);

  std::vector<std::string> names_;
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<data::ColumnarWriter>> writers_;
  std::vector<data::Batch> parts_;
};

}  // namespace lathe::components::detail
