// vocabulary: the values of the training data, most frequent first (top_k, min_count), as an
// index (ordinal) or one column per value (one_hot). Values out of the vocabulary go to
// `oov_buckets` hash buckets after it (one "(other)" column when one-hot), or are missing with 0.
#include <algorithm>
#include <limits>
#include <memory>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/detail/value_counts.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

class Vocabulary final : public FeatureOp {
 public:
  std::string_view name() const override { return "vocabulary"; }
  std::vector<std::string> options() const override {
    return {"encoding", "top_k", "min_count", "oov_buckets"};
  }
  void ParseOptions(const nlohmann::json& f, const std::string& at, OptionReader& reader,
                    FeatureSpec& spec) const override {
    if (f.contains("encoding")) {
      const std::string e = reader.Text(f, "encoding", at);
      if (e != "ordinal" && e != "one_hot")
        reader.Fail(at + ".encoding", "expected ordinal or one_hot");
      spec.one_hot = e == "one_hot";
    }
    spec.top_k = static_cast<size_t>(reader.Int(f, "top_k", at, 0, 0));
    spec.min_count = reader.Int(f, "min_count", at, 1, 1, std::numeric_limits<int64_t>::max());
    spec.oov_buckets = static_cast<int>(reader.Int(f, "oov_buckets", at, 1, 0));
  }
  void OptionsToJson(const FeatureSpec& spec, nlohmann::json& out) const override {
    out["encoding"] = spec.one_hot ? "one_hot" : "ordinal";
    out["top_k"] = spec.top_k;
    out["min_count"] = spec.min_count;
    out["oov_buckets"] = spec.oov_buckets;
  }
  bool reads_text() const override { return true; }
  bool NeedsStatistics(const FeatureSpec& /*spec*/) const override { return true; }
  Status Fit(const stats::FeatureStats& st, FittedFeature& f) const override {
    LATHE_ASSIGN_OR_RETURN(auto counts, detail::ValueCounts(st));
    std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (const auto& [v, n] : counts) {
      if (n < f.spec.min_count || (f.spec.top_k > 0 && f.vocabulary.size() >= f.spec.top_k)) break;
      f.index.emplace(v, static_cast<int>(f.vocabulary.size()));
      f.vocabulary.push_back(v);
    }
    return Status::Ok();
  }
  std::vector<std::string> OutputNames(const FittedFeature& f) const override {
    if (!f.spec.one_hot) return {f.spec.name};
    std::vector<std::string> names;
    for (const auto& v : f.vocabulary) names.push_back(f.spec.name + "=" + v);
    if (f.spec.oov_buckets > 0) names.push_back(f.spec.name + "=(other)");
    return names;
  }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    const bool one_hot = f.spec.one_hot;
    const int k = static_cast<int>(f.vocabulary.size());
    std::string scratch;
    for (size_t r = 0; r < rows; ++r) {
      if (c.is_null(r)) {
        if (!one_hot) out.Set(r, detail::kNaN);
        continue;  // one-hot: all zeros
      }
      const std::string_view v = detail::TextAt(c, r, scratch);
      const auto it = f.index.find(v);
      const int code =
          it != f.index.end() ? it->second
          : f.spec.oov_buckets > 0
              ? k + (one_hot ? 0 : static_cast<int>(detail::HashBucket(v, f.spec.oov_buckets)))
              : -1;
      if (!one_hot)
        out.Set(r, code < 0 ? detail::kNaN : code);
      else if (code >= 0)
        out.Set(r, 1, static_cast<size_t>(code));
    }
  }
};

}  // namespace

void RegisterVocabulary(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<Vocabulary>());
}

}  // namespace lathe::transform::ops
