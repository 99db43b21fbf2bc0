#include "lathe/stats/sketch.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "lathe/core/strings.h"

namespace lathe::stats {

namespace {
constexpr double kMinIndexable = 1e-9;
constexpr int kRegisterBits = 14;
}  // namespace

QuantileSketch::QuantileSketch(double alpha)
    : alpha_(alpha),
      gamma_((1 + alpha) / (1 - alpha)),
      log_gamma_(std::log((1 + alpha) / (1 - alpha))) {}

int QuantileSketch::Index(double v) const {
  return static_cast<int>(std::ceil(std::log(v) / log_gamma_));
}

double QuantileSketch::Value(int index) const {
  return 2 * std::pow(gamma_, index) / (gamma_ + 1);
}

void QuantileSketch::Add(double v, uint64_t count) {
  if (std::isnan(v) || count == 0) return;
  count_ += count;
  if (std::fabs(v) < kMinIndexable) {
    zeros_ += count;
  } else if (v > 0) {
    positive_[Index(v)] += count;
  } else {
    negative_[Index(-v)] += count;
  }
}

Status QuantileSketch::Merge(const QuantileSketch& other) {
  if (other.alpha_ != alpha_)
    return FailedPreconditionError(
        fmt::format("cannot merge quantile sketches of accuracy {} and {}", alpha_, other.alpha_));
  for (const auto& [i, c] : other.positive_) positive_[i] += c;
  for (const auto& [i, c] : other.negative_) negative_[i] += c;
  zeros_ += other.zeros_;
  count_ += other.count_;
  return Status::Ok();
}

double QuantileSketch::Quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  // The value at 0-based rank floor(q * (n - 1)), walking from the most negative bucket up.
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_ - 1));
  uint64_t seen = 0;
  for (auto it = negative_.rbegin(); it != negative_.rend(); ++it) {
    seen += it->second;
    if (seen > rank) return -Value(it->first);
  }
  seen += zeros_;
  if (seen > rank) return 0;
  for (const auto& [i, c] : positive_) {
    seen += c;
    if (seen > rank) return Value(i);
  }
  return Value(positive_.rbegin()->first);
}

uint64_t QuantileSketch::CountBetween(double lo, double hi) const {
  uint64_t n = 0;
  auto in = [&](double v) { return v >= lo && v < hi; };
  for (const auto& [i, c] : negative_)
    if (in(-Value(i))) n += c;
  if (in(0)) n += zeros_;
  for (const auto& [i, c] : positive_)
    if (in(Value(i))) n += c;
  return n;
}

nlohmann::json QuantileSketch::ToJson() const {
  auto store = [](const std::map<int, uint64_t>& m) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& [i, c] : m) j.push_back({i, c});
    return j;
  };
  return {{"alpha", alpha_},
          {"zeros", zeros_},
          {"positive", store(positive_)},
          {"negative", store(negative_)}};
}

Result<QuantileSketch> QuantileSketch::FromJson(const nlohmann::json& j) {
  try {
    QuantileSketch s(j.at("alpha").get<double>());
    s.zeros_ = j.at("zeros").get<uint64_t>();
    s.count_ = s.zeros_;
    for (const auto& p : j.at("positive")) {
      s.positive_[p[0].get<int>()] = p[1].get<uint64_t>();
      s.count_ += p[1].get<uint64_t>();
    }
    for (const auto& p : j.at("negative")) {
      s.negative_[p[0].get<int>()] = p[1].get<uint64_t>();
      s.count_ += p[1].get<uint64_t>();
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("malformed quantile sketch: ") + e.what());
  }
}

// Registers are allocated on the first Add or Merge of a non-empty sketch: a feature whose
// values are counted exactly (most of them) never holds 16 KiB it does not use, and a table of
// many columns costs memory in proportion to its data, not its width.
DistinctSketch::DistinctSketch() = default;

void DistinctSketch::Add(std::string_view value) {
  if (registers_.empty()) registers_.assign(size_t{1} << kRegisterBits, 0);
  uint64_t h = XXH3_64bits(value.data(), value.size());
  uint32_t index = static_cast<uint32_t>(h >> (64 - kRegisterBits));
  uint64_t rest = (h << kRegisterBits) | (1ULL << (kRegisterBits - 1));  // never all zero
  uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
  if (rank > registers_[index]) registers_[index] = rank;
}

void DistinctSketch::Merge(const DistinctSketch& other) {
  if (other.registers_.empty()) return;
  if (registers_.empty()) {
    registers_ = other.registers_;
    return;
  }
  for (size_t i = 0; i < registers_.size(); ++i)
    registers_[i] = std::max(registers_[i], other.registers_[i]);
}

double DistinctSketch::Estimate() const {
  if (registers_.empty()) return 0;
  const double m = static_cast<double>(registers_.size());
  double sum = 0;
  int zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  double estimate = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
  if (estimate <= 2.5 * m && zeros > 0)
    estimate = m * std::log(m / zeros);  // small ranges: linear counting
  return estimate;
}

nlohmann::json DistinctSketch::ToJson() const {
  // An empty sketch is written as all-zero registers, as it always was.
  const std::string zeros(registers_.empty() ? size_t{1} << kRegisterBits : 0, '\0');
  std::string_view bytes =
      registers_.empty()
          ? std::string_view(zeros)
          : std::string_view(reinterpret_cast<const char*>(registers_.data()), registers_.size());
  return {{"hll_bits", kRegisterBits}, {"registers", Base64Encode(bytes)}};
}

Result<DistinctSketch> DistinctSketch::FromJson(const nlohmann::json& j) {
  DistinctSketch s;
  auto bytes = Base64Decode(j.value("registers", ""));
  if (!bytes || bytes->size() != (size_t{1} << kRegisterBits) ||
      j.value("hll_bits", 0) != kRegisterBits)
    return InvalidArgumentError("malformed distinct-count sketch");
  if (bytes->find_first_not_of('\0') != std::string::npos)
    s.registers_.assign(bytes->begin(), bytes->end());
  return s;
}

}  // namespace lathe::stats
