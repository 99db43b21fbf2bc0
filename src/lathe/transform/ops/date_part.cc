// date_part: a part (year, month, day, hour, minute, weekday with Monday 0, day_of_year) of a
// date, from text "YYYY-MM-DD[ T]HH:MM[:SS...]" or from whole seconds since 1970; missing when
// the value is not such a date.
#include <chrono>
#include <memory>
#include <set>

#include "lathe/transform/detail/column_values.h"
#include "lathe/transform/ops/builtin_ops.h"

namespace lathe::transform::ops {

namespace {

const std::set<std::string, std::less<>> kDateParts = {"year",   "month",   "day",        "hour",
                                                       "minute", "weekday", "day_of_year"};

bool Digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

double DatePart(const data::Column& c, size_t row, const std::string& part) {
  using namespace std::chrono;
  if (c.is_null(row)) return detail::kNaN;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (c.type() == data::ColumnType::kInt64) {
    int64_t secs = c.int_at(row);
    auto days = floor<std::chrono::days>(sys_seconds(seconds(secs)));
    year_month_day ymd(days);
    y = static_cast<int>(ymd.year());
    mo = static_cast<int>(static_cast<unsigned>(ymd.month()));
    d = static_cast<int>(static_cast<unsigned>(ymd.day()));
    int64_t in_day = secs - duration_cast<seconds>(days.time_since_epoch()).count();
    h = static_cast<int>(in_day / 3600);
    mi = static_cast<int>(in_day % 3600 / 60);
  } else if (c.type() == data::ColumnType::kString) {
    std::string_view s = c.string_at(row);
    if (!Digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, mo) ||
        s[7] != '-' || !Digits(s, 8, 2, d))
      return detail::kNaN;
    if (s.size() > 10) {
      if ((s[10] != ' ' && s[10] != 'T') || !Digits(s, 11, 2, h) || s.size() < 16 || s[13] != ':' ||
          !Digits(s, 14, 2, mi) || h > 23 || mi > 59)
        return detail::kNaN;
    }
  } else {
    return detail::kNaN;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return detail::kNaN;
  if (part == "year") return y;
  if (part == "month") return mo;
  if (part == "day") return d;
  if (part == "hour") return h;
  if (part == "minute") return mi;
  sys_days sd(ymd);
  if (part == "weekday") return weekday(sd).iso_encoding() - 1;  // Monday 0 .. Sunday 6
  if (part == "day_of_year")
    return static_cast<double>((sd - sys_days(year{y} / January / 1)).count() + 1);
  return detail::kNaN;
}

class DatePartOp final : public FeatureOp {
 public:
  std::string_view name() const override { return "date_part"; }
  std::vector<std::string> options() const override { return {"part"}; }
  void ParseOptions(const nlohmann::json& f, const std::string& at, OptionReader& reader,
                    FeatureSpec& spec) const override {
    spec.part = reader.Text(f, "part", at, true);
    if (!spec.part.empty() && !kDateParts.count(spec.part))
      reader.Fail(at + ".part", "expected year, month, day, hour, minute, weekday or day_of_year");
  }
  void OptionsToJson(const FeatureSpec& spec, nlohmann::json& out) const override {
    out["part"] = spec.part;
  }
  Status CheckInputTypes(const FeatureSpec& /*spec*/,
                         const std::vector<data::ColumnType>& types) const override {
    if (types.at(0) != data::ColumnType::kString && types.at(0) != data::ColumnType::kInt64 &&
        types.at(0) != data::ColumnType::kNull)
      return InvalidArgumentError(
          "date_part needs text dates (YYYY-MM-DD[ HH:MM]) or seconds since 1970");
    return Status::Ok();
  }
  void Apply(const FittedFeature& f, const std::vector<const data::Column*>& inputs, size_t rows,
             const FeatureOutput& out) const override {
    const data::Column& c = *inputs[0];
    for (size_t r = 0; r < rows; ++r) out.Set(r, DatePart(c, r, f.spec.part));
  }
};

}  // namespace

void RegisterDatePart(FeatureOpRegistry& registry) {
  registry.Register(std::make_unique<DatePartOp>());
}

}  // namespace lathe::transform::ops
