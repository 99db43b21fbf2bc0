#include "lathe/eval/blessing.h"

#include <fmt/format.h>

#include <cmath>

#include "lathe/core/strings.h"

namespace lathe::eval {

Result<std::vector<Threshold>> ParseThresholds(const nlohmann::json& j, std::string* error_path) {
  auto fail = [&](const std::string& path, const std::string& m) -> Status {
    if (error_path) *error_path = path;
    return InvalidArgumentError(fmt::format("{}: {}", path, m));
  };
  std::vector<Threshold> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return fail("thresholds", "expected a list of {metric: M, ...}");
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& t = j[i];
    std::string at = fmt::format("thresholds[{}]", i);
    if (!t.is_object() || !t.contains("metric") || !t["metric"].is_string())
      return fail(at, "expected {metric: M, lower: X, upper: X, min_improvement: X, ...}");
    Threshold th;
    th.metric = t["metric"].get<std::string>();
    for (auto it = t.begin(); it != t.end(); ++it) {
      const std::string& k = it.key();
      const auto& v = it.value();
      if (k == "metric") continue;
      if (k == "slice") {
        if (!v.is_string()) return fail(at + ".slice", "expected a slice name, e.g. island=Biscoe");
        th.slice = v.get<std::string>();
      } else if (k == "higher_is_better") {
        if (!v.is_boolean()) return fail(at + "." + k, "expected true or false");
        th.higher_is_better = v.get<bool>();
      } else if (k == "lower" || k == "upper" || k == "min_improvement" ||
                 k == "min_relative_improvement") {
        if (!v.is_number()) return fail(at + "." + k, "expected a number");
        double x = v.get<double>();
        (k == "lower"             ? th.lower
         : k == "upper"           ? th.upper
         : k == "min_improvement" ? th.min_improvement
                                  : th.min_relative_improvement) = x;
      } else {
        return fail(at + "." + k,
                    fmt::format("unknown option '{}' (options: metric, slice, lower, upper, "
                                "min_improvement, min_relative_improvement, higher_is_better)",
                                k));
      }
    }
    if (!th.lower && !th.upper && !th.min_improvement && !th.min_relative_improvement)
      return fail(at, "give lower, upper, min_improvement or min_relative_improvement");
    if ((th.min_improvement || th.min_relative_improvement) && !th.higher_is_better &&
        !HigherIsBetter(th.metric))
      return fail(at + ".higher_is_better",
                  fmt::format("'{}' has no known direction: say higher_is_better", th.metric));
    out.push_back(std::move(th));
  }
  return out;
}

std::vector<std::string> Blessing::Reasons() const {
  std::vector<std::string> out;
  for (const auto& c : checks)
    if (!c.passed) out.push_back(c.description);
  return out;
}

nlohmann::json Blessing::ToJson() const {
  nlohmann::json checks_json = nlohmann::json::array();
  for (const auto& c : checks)
    checks_json.push_back({{"check", c.description}, {"passed", c.passed}});
  return {{"blessed", blessed}, {"had_baseline", had_baseline}, {"checks", checks_json}};
}

Blessing Decide(const ModelMetrics& candidate, const ModelMetrics* baseline,
                const std::vector<Threshold>& thresholds) {
  Blessing b;
  b.had_baseline = baseline != nullptr;
  auto add = [&](std::string d, bool passed) {
    b.checks.push_back({std::move(d), passed});
    b.blessed = b.blessed && passed;
  };
  // The metric's value in a slice, or why there is none.
  auto value = [](const ModelMetrics& m, const Threshold& t, std::string& why) -> double {
    const SliceMetrics* s = m.Find(t.slice);
    if (s == nullptr) {
      why = "slice not in the evaluation";
      return NAN;
    }
    if (s->skipped) {
      why = fmt::format("slice too small ({} rows)", s->rows);
      return NAN;
    }
    auto it = s->metrics.find(t.metric);
    if (it == s->metrics.end()) {
      why = "no such metric";
      return NAN;
    }
    if (std::isnan(it->second)) why = "undefined on this slice";
    return it->second;
  };
  for (const auto& t : thresholds) {
    std::string why;
    const double v = value(candidate, t, why);
    const std::string name = fmt::format("{} {}", t.slice, t.metric);
    if (t.lower || t.upper) {
      if (!why.empty()) {
        add(fmt::format("{}: {}", name, why), false);
      } else {
        if (t.lower) {
          auto [tv, tt] = DistinctNumbers(v, *t.lower);
          add(fmt::format("{} {} >= {}", name, tv, tt), v >= *t.lower);
        }
        if (t.upper) {
          auto [tv, tt] = DistinctNumbers(v, *t.upper);
          add(fmt::format("{} {} <= {}", name, tv, tt), v <= *t.upper);
        }
      }
    }
    if (!t.min_improvement && !t.min_relative_improvement) continue;
    if (baseline == nullptr) {
      b.checks.push_back(
          {fmt::format("{}: change not checked: no baseline (first model)", name), true});
      continue;
    }
    std::string base_why;
    const double base = value(*baseline, t, base_why);
    if (!why.empty() || !base_why.empty()) {
      add(fmt::format("{} vs baseline: {}", name, why.empty() ? "baseline " + base_why : why),
          false);
      continue;
    }
    const bool higher = t.higher_is_better ? *t.higher_is_better : *HigherIsBetter(t.metric);
    const double improvement = higher ? v - base : base - v;
    const auto [tv, tb] = DistinctNumbers(v, base);
    if (t.min_improvement) {
      auto [ti, tm] = DistinctNumbers(improvement, *t.min_improvement);
      add(fmt::format("{} {} vs baseline {}: improvement {}{} >= {}", name, tv, tb,
                      improvement >= 0 ? "+" : "", ti, tm),
          improvement >= *t.min_improvement);
    }
    if (t.min_relative_improvement) {
      const double rel = base != 0 ? improvement / std::abs(base) : NAN;
      auto [tr, tm] = DistinctNumbers(rel, *t.min_relative_improvement, 4);
      add(fmt::format("{} {} vs baseline {}: relative improvement {}{} >= {}", name, tv, tb,
                      rel >= 0 ? "+" : "", tr, tm),
          !std::isnan(rel) && rel >= *t.min_relative_improvement);
    }
  }
  return b;
}

}  // namespace lathe::eval
