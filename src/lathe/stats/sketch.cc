#include "lathe/stats/sketch.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "lathe/core/strings.h"

namespace lathe::stats {

namespace {
constexpr double kMinIndexable = 1e-9;
constexpr int kRegisterBits = 14;
// Accuracies a sketch may have, and the bucket indices they give for values between 1e-9 and the
// largest double (|index| < 710 / log(gamma) + 1): what FromJson accepts.
constexpr double kMinAlpha = 1e-4, kMaxAlpha = 0.5;
constexpr int kMaxIndex = 4'000'000;
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

void QuantileSketch::Buckets::Add(int index, uint64_t count) {
  if (counts_.empty()) {
    offset_ = index;
    counts_.assign(1, 0);
  } else if (index < offset_) {
    // Geometric growth at the front too, so values arriving in descending order stay linear.
    const int64_t grow =
        std::max<int64_t>(int64_t{offset_} - index, static_cast<int64_t>(counts_.size()));
    const int64_t low =
        std::min<int64_t>(index, std::max<int64_t>(int64_t{offset_} - grow, -kMaxIndex));
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - low), 0);
    offset_ = static_cast<int>(low);
  } else if (index - offset_ >= static_cast<int>(counts_.size())) {
    counts_.resize(static_cast<size_t>(index - offset_) + 1, 0);
  }
  counts_[static_cast<size_t>(index - offset_)] += count;
}

int QuantileSketch::Buckets::highest() const {
  size_t i = counts_.size();
  while (i > 0 && counts_[i - 1] == 0) --i;
  return offset_ + static_cast<int>(i) - 1;
}

void QuantileSketch::Add(double v, uint64_t count) {
  if (std::isnan(v) || count == 0) return;
  count_ += count;
  if (std::fabs(v) < kMinIndexable) {
    zeros_ += count;
  } else if (v > 0) {
    positive_.Add(Index(v), count);
  } else {
    negative_.Add(Index(-v), count);
  }
}

Status QuantileSketch::Merge(const QuantileSketch& other) {
  if (other.alpha_ != alpha_)
    return FailedPreconditionError(
        fmt::format("cannot merge quantile sketches of accuracy {} and {}", alpha_, other.alpha_));
  other.positive_.ForEach([&](int i, uint64_t c) { positive_.Add(i, c); });
  other.negative_.ForEach([&](int i, uint64_t c) { negative_.Add(i, c); });
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
  int found = 0;
  // Negative values from the most negative: the highest index of |v| first.
  if (negative_.ForEachDescendingUntil([&](int i, uint64_t c) {
        seen += c;
        found = i;
        return seen > rank;
      }))
    return -Value(found);
  seen += zeros_;
  if (seen > rank) return 0;
  bool done = false;
  positive_.ForEach([&](int i, uint64_t c) {
    if (done) return;
    seen += c;
    if (seen > rank) {
      found = i;
      done = true;
    }
  });
  if (done) return Value(found);
  return Value(positive_.highest());
}

uint64_t QuantileSketch::CountBetween(double lo, double hi) const {
  uint64_t n = 0;
  auto in = [&](double v) { return v >= lo && v < hi; };
  negative_.ForEach([&](int i, uint64_t c) {
    if (in(-Value(i))) n += c;
  });
  if (in(0)) n += zeros_;
  positive_.ForEach([&](int i, uint64_t c) {
    if (in(Value(i))) n += c;
  });
  return n;
}

nlohmann::json QuantileSketch::ToJson(bool binary) const {
  auto store = [&](const Buckets& b) {
    if (binary) {
      std::vector<uint8_t> bytes(b.counts().size() * sizeof(uint64_t));
      if (!bytes.empty()) std::memcpy(bytes.data(), b.counts().data(), bytes.size());
      return nlohmann::json{{"offset", b.offset()},
                            {"counts", nlohmann::json::binary(std::move(bytes))}};
    }
    nlohmann::json j = nlohmann::json::array();
    b.ForEach([&](int i, uint64_t c) { j.push_back({i, c}); });
    return j;
  };
  return {{"alpha", alpha_},
          {"zeros", zeros_},
          {"positive", store(positive_)},
          {"negative", store(negative_)}};
}

Result<QuantileSketch> QuantileSketch::FromJson(const nlohmann::json& j) {
  try {
    const double alpha = j.at("alpha").get<double>();
    if (!(alpha >= kMinAlpha && alpha <= kMaxAlpha))
      return InvalidArgumentError(fmt::format("malformed quantile sketch: accuracy {}", alpha));
    QuantileSketch s(alpha);
    const int64_t bound = static_cast<int64_t>(710 / s.log_gamma_) + 2;
    s.zeros_ = j.at("zeros").get<uint64_t>();
    s.count_ = s.zeros_;
    for (const char* side : {"positive", "negative"}) {
      Buckets& b = side[0] == 'p' ? s.positive_ : s.negative_;
      auto add = [&](int64_t index, uint64_t count) -> Status {
        if (std::llabs(index) > bound)
          return InvalidArgumentError(
              fmt::format("malformed quantile sketch: bucket {} out of range", index));
        if (count > 0) b.Add(static_cast<int>(index), count);
        s.count_ += count;
        return Status::Ok();
      };
      const auto& store = j.at(side);
      if (store.is_object()) {  // the binary form
        const int64_t offset = store.at("offset").get<int64_t>();
        const auto& bytes = store.at("counts").get_binary();
        if (bytes.size() % sizeof(uint64_t) != 0 ||
            bytes.size() / sizeof(uint64_t) > static_cast<uint64_t>(2 * bound + 1))
          return InvalidArgumentError("malformed quantile sketch: bucket counts");
        for (size_t k = 0; k < bytes.size() / sizeof(uint64_t); ++k) {
          uint64_t c = 0;
          std::memcpy(&c, bytes.data() + k * sizeof(uint64_t), sizeof c);
          LATHE_RETURN_IF_ERROR(add(offset + static_cast<int64_t>(k), c));
        }
      } else {
        for (const auto& p : store)
          LATHE_RETURN_IF_ERROR(add(p.at(0).get<int64_t>(), p.at(1).get<uint64_t>()));
      }
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
