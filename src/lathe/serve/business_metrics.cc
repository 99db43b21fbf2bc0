#include "lathe/serve/business_metrics.h"

#include <fmt/format.h>

#include <cmath>

namespace lathe::serve {

void OutcomeMetric::Add(double value) {
  moments.Add(value);
  binary = binary && (value == 0 || value == 1);
}

void OutcomeMetric::Merge(const OutcomeMetric& other) {
  if (other.moments.n == 0) return;
  moments.Merge(other.moments);
  binary = binary && other.binary;
}

void AddOutcomes(Experiment& e, const std::map<int64_t, OutcomeTotals>& delta) {
  for (const auto& [version, totals] : delta)
    for (const auto& [name, metric] : totals) e.arms[version][name].Merge(metric);
  if (e.canary == 0) return;
  auto stable = e.arms.find(e.stable), canary = e.arms.find(e.canary);
  if (stable == e.arms.end() || canary == e.arms.end()) return;
  for (const auto& [name, control] : stable->second) {
    auto treatment = canary->second.find(name);
    if (treatment == canary->second.end()) continue;
    e.sequential[name].Update(
        stats::MixtureSprt(control.moments, treatment->second.moments,
                           stats::MixtureScale(control.moments.mean, kDesignLift), kBusinessAlpha));
  }
}

std::vector<OutcomeComparison> CompareOutcomes(const Experiment& e) {
  std::vector<OutcomeComparison> out;
  if (e.canary == 0) return out;
  auto stable = e.arms.find(e.stable), canary = e.arms.find(e.canary);
  if (stable == e.arms.end() || canary == e.arms.end()) return out;
  for (const auto& [name, control] : stable->second) {
    auto treatment = canary->second.find(name);
    if (treatment == canary->second.end()) continue;
    OutcomeComparison c;
    c.outcome = name;
    c.binary = control.binary && treatment->second.binary;
    c.stable = control.moments;
    c.canary = treatment->second.moments;
    c.stable_interval = stats::MeanInterval(c.stable, 0.95);
    c.canary_interval = stats::MeanInterval(c.canary, 0.95);
    c.test = stats::WelchTest(c.stable, c.canary, 0.95);
    if (auto s = e.sequential.find(name); s != e.sequential.end()) c.sequential = s->second;
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

std::string Figure(double v, bool rate) {
  return rate ? fmt::format("{:.3g}%", v * 100) : fmt::format("{:.4g}", v);
}

std::string SignedPercent(double v) {
  return fmt::format("{:+.2g}%", v * 100);
}

std::string PValue(double p) {
  return p < 0.001 ? "< 0.001" : fmt::format("{:.2g}", p);
}

}  // namespace

std::string UpliftLine(const Experiment& e, const OutcomeComparison& c) {
  std::string line =
      fmt::format("canary v{}: {} {} vs {} stable v{}", e.canary, c.outcome,
                  Figure(c.canary.mean, c.binary), Figure(c.stable.mean, c.binary), e.stable);
  if (c.stable.mean != 0)
    line += fmt::format(", {} (95% CI {}..{})", SignedPercent(c.test.lift),
                        SignedPercent(c.test.lift_interval.low),
                        SignedPercent(c.test.lift_interval.high));
  else
    line += fmt::format(", difference {} (95% CI {}..{})", Figure(c.test.difference, c.binary),
                        Figure(c.test.difference_interval.low, c.binary),
                        Figure(c.test.difference_interval.high, c.binary));
  line += fmt::format(", always-valid p {} (n {} vs {})", PValue(c.sequential.p_value), c.canary.n,
                      c.stable.n);
  return line;
}

std::vector<std::string> OutcomeLines(const Experiment& e, int64_t version, const char* role) {
  std::vector<std::string> out;
  auto arm = e.arms.find(version);
  if (arm == e.arms.end()) return out;
  for (const auto& [name, metric] : arm->second) {
    const auto ci = stats::MeanInterval(metric.moments, 0.95);
    out.push_back(fmt::format("{} v{}: {} {} (95% CI {}..{}, n {})", role, version, name,
                              Figure(metric.moments.mean, metric.binary),
                              Figure(ci.low, metric.binary), Figure(ci.high, metric.binary),
                              metric.moments.n));
  }
  return out;
}

namespace {

nlohmann::json MomentsJson(const stats::Moments& m) {
  return {{"n", m.n}, {"mean", m.mean}, {"m2", m.m2}};
}

// A finite number, or the bound's JSON null (an unbounded confidence sequence) as infinity.
double Bound(const nlohmann::json& j, double if_null) {
  return j.is_null() ? if_null : j.get<double>();
}

nlohmann::json BoundJson(double v) {
  return std::isfinite(v) && std::abs(v) < 1e300 ? nlohmann::json(v) : nlohmann::json();
}

}  // namespace

nlohmann::json ExperimentToJson(const Experiment& e) {
  nlohmann::json arms = nlohmann::json::object();
  for (const auto& [version, totals] : e.arms) {
    nlohmann::json t = nlohmann::json::object();
    for (const auto& [name, metric] : totals) {
      t[name] = MomentsJson(metric.moments);
      t[name]["binary"] = metric.binary;
    }
    arms[std::to_string(version)] = std::move(t);
  }
  nlohmann::json sequential = nlohmann::json::object();
  for (const auto& [name, s] : e.sequential)
    sequential[name] = {{"p_value", s.p_value},
                        {"low", BoundJson(s.difference.low)},
                        {"high", BoundJson(s.difference.high)},
                        {"looks", s.looks}};
  return {{"id", e.id},
          {"stable", e.stable},
          {"canary", e.canary},
          {"arms", std::move(arms)},
          {"sequential", std::move(sequential)}};
}

Result<Experiment> ExperimentFromJson(const nlohmann::json& j) {
  try {
    Experiment e;
    e.id = j.at("id").get<int64_t>();
    e.stable = j.at("stable").get<int64_t>();
    e.canary = j.at("canary").get<int64_t>();
    for (const auto& [version, totals] : j.at("arms").items()) {
      auto& arm = e.arms[std::stoll(version)];
      for (const auto& [name, m] : totals.items()) {
        OutcomeMetric& metric = arm[name];
        metric.moments.n = m.at("n").get<uint64_t>();
        metric.moments.mean = m.at("mean").get<double>();
        metric.moments.m2 = m.at("m2").get<double>();
        metric.binary = m.at("binary").get<bool>();
      }
    }
    for (const auto& [name, s] : j.at("sequential").items()) {
      stats::SequentialState& state = e.sequential[name];
      state.p_value = s.at("p_value").get<double>();
      state.difference.low = Bound(s.at("low"), -1e308);
      state.difference.high = Bound(s.at("high"), 1e308);
      state.looks = s.at("looks").get<uint64_t>();
    }
    return e;
  } catch (const std::exception& ex) {
    return DataLossError(std::string("a deployment's experiment is malformed: ") + ex.what());
  }
}

nlohmann::json ComparisonsToJson(const Experiment& e) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : CompareOutcomes(e))
    out.push_back(
        {{"outcome", c.outcome},
         {"binary", c.binary},
         {"stable_version", e.stable},
         {"canary_version", e.canary},
         {"stable",
          {{"n", c.stable.n},
           {"mean", c.stable.mean},
           {"ci95", {c.stable_interval.low, c.stable_interval.high}}}},
         {"canary",
          {{"n", c.canary.n},
           {"mean", c.canary.mean},
           {"ci95", {c.canary_interval.low, c.canary_interval.high}}}},
         {"difference", c.test.difference},
         {"difference_ci95", {c.test.difference_interval.low, c.test.difference_interval.high}},
         {"lift", c.test.lift},
         {"lift_ci95", {c.test.lift_interval.low, c.test.lift_interval.high}},
         {"welch_p_value", c.test.p_value},
         {"always_valid_p_value", c.sequential.p_value},
         {"confidence_sequence",
          {BoundJson(c.sequential.difference.low), BoundJson(c.sequential.difference.high)}},
         {"looks", c.sequential.looks},
         {"line", UpliftLine(e, c)}});
  return out;
}

}  // namespace lathe::serve
