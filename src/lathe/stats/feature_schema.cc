#include "lathe/stats/feature_schema.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "lathe/core/fs.h"
#include "lathe/core/strings.h"
#include "lathe/core/yaml.h"

namespace lathe::stats {

using data::ColumnType;

const FeatureSpec* FeatureSchema::Find(std::string_view name) const {
  for (const auto& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

FeatureSchema InferSchema(const DatasetStats& stats, const InferOptions& o) {
  FeatureSchema schema;
  for (const auto& f : stats.features()) {
    FeatureSpec& spec = schema.features.emplace_back();
    spec.name = f.name;
    spec.type = f.type;
    spec.required = f.missing == 0;
    if (f.numeric() && f.num.count > 0 && o.range_margin) {
      const double margin = *o.range_margin * (f.num.max - f.num.min);
      spec.min = f.num.min - margin;
      spec.max = f.num.max + margin;
    } else if (!f.numeric() && f.cat.exact && f.cat.count > 0 &&
               f.cat.counts.size() <= o.max_domain_size) {
      for (const auto& [v, n] : f.cat.counts) spec.domain.push_back(v);
      std::sort(spec.domain.begin(), spec.domain.end());
      if (o.min_domain_mass < 1) spec.min_domain_mass = o.min_domain_mass;
    }
  }
  return schema;
}

std::string FeatureSchema::ToYaml() const {
  // Numbers as their shortest exact text: 34.1, and 0.12345678901234567 reads back as itself.
  auto number = [](double v) { return ShortestNumber(v); };
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "features" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : features) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << f.name;
    out << YAML::Key << "type" << YAML::Value << std::string(data::ColumnTypeName(f.type));
    out << YAML::Key << "required" << YAML::Value << f.required;
    if (f.max_missing_fraction)
      out << YAML::Key << "max_missing_fraction" << YAML::Value << number(*f.max_missing_fraction);
    if (!f.domain.empty()) {
      out << YAML::Key << "domain" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& v : f.domain) out << v;
      out << YAML::EndSeq;
    }
    if (f.min_domain_mass)
      out << YAML::Key << "min_domain_mass" << YAML::Value << number(*f.min_domain_mass);
    if (f.min) out << YAML::Key << "min" << YAML::Value << number(*f.min);
    if (f.max) out << YAML::Key << "max" << YAML::Value << number(*f.max);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

nlohmann::json FeatureSchema::ToJson() const {
  nlohmann::json fs = nlohmann::json::array();
  for (const auto& f : features) {
    nlohmann::json j = {
        {"name", f.name}, {"type", data::ColumnTypeName(f.type)}, {"required", f.required}};
    if (f.max_missing_fraction) j["max_missing_fraction"] = *f.max_missing_fraction;
    if (!f.domain.empty()) j["domain"] = f.domain;
    if (f.min_domain_mass) j["min_domain_mass"] = *f.min_domain_mass;
    if (f.min) j["min"] = *f.min;
    if (f.max) j["max"] = *f.max;
    fs.push_back(std::move(j));
  }
  return {{"features", fs}};
}

Result<FeatureSchema> ParseFeatureSchema(const std::string& yaml, const std::string& name) {
  auto error = [&](const YAML::Node& n, const std::string& field, const std::string& what) {
    return InvalidArgumentError(
        fmt::format("{}:{}:{}: {}: {}", name, n.Mark().line + 1, n.Mark().column + 1, field, what));
  };
  LATHE_ASSIGN_OR_RETURN(YAML::Node root, LoadUserYaml(yaml, name));
  if (!root.IsMap() || !root["features"] || !root["features"].IsSequence())
    return InvalidArgumentError(
        fmt::format("{}: a schema is a mapping with a list `features`", name));
  FeatureSchema schema;
  std::set<std::string> seen;
  try {
    const auto& list = root["features"];
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& n = list[i];
      std::string field = fmt::format("features[{}]", i);
      if (!n.IsMap()) return error(n, field, "expected a mapping");
      for (const auto& kv : n) {
        static const std::set<std::string> kKeys = {
            "name", "type", "required", "max_missing_fraction", "domain", "min_domain_mass",
            "min",  "max"};
        if (!kKeys.count(kv.first.Scalar()))
          return error(kv.first, field + "." + kv.first.Scalar(),
                       "unknown field (expected name, type, required, max_missing_fraction, "
                       "domain, min_domain_mass, min, max)");
      }
      FeatureSpec f;
      if (!n["name"] || !n["name"].IsScalar()) return error(n, field, "missing field 'name'");
      f.name = n["name"].Scalar();
      if (!seen.insert(f.name).second)
        return error(n["name"], field + ".name", fmt::format("feature '{}' twice", f.name));
      if (!n["type"]) return error(n, field, "missing field 'type'");
      auto t = data::ParseColumnType(n["type"].Scalar());
      if (!t.ok()) return error(n["type"], field + ".type", t.status().message());
      f.type = *t;
      if (n["required"]) f.required = n["required"].as<bool>();
      if (n["max_missing_fraction"])
        f.max_missing_fraction = n["max_missing_fraction"].as<double>();
      if (n["domain"]) {
        if (!n["domain"].IsSequence())
          return error(n["domain"], field + ".domain", "expected a list of values");
        for (const auto& v : n["domain"]) f.domain.push_back(v.Scalar());
      }
      if (n["min_domain_mass"]) {
        f.min_domain_mass = n["min_domain_mass"].as<double>();
        if (!(*f.min_domain_mass >= 0 && *f.min_domain_mass <= 1))
          return error(n["min_domain_mass"], field + ".min_domain_mass",
                       "expected a fraction from 0 to 1");
      }
      if (n["max_missing_fraction"] &&
          !(*f.max_missing_fraction >= 0 && *f.max_missing_fraction <= 1))
        return error(n["max_missing_fraction"], field + ".max_missing_fraction",
                     "expected a fraction from 0 to 1");
      if (n["min"]) f.min = n["min"].as<double>();
      if (n["max"]) f.max = n["max"].as<double>();
      if (f.min && f.max && *f.min > *f.max)
        return error(n["min"], field + ".min", "min is above max");
      schema.features.push_back(std::move(f));
    }
  } catch (const YAML::BadConversion& e) {
    return InvalidArgumentError(fmt::format(
        "{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1,
        "value of the wrong type (required: true/false; fractions, min, max: numbers)"));
  }
  return schema;
}

Result<FeatureSchema> LoadFeatureSchema(const std::string& path) {
  LATHE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "schema", kMaxYamlBytes));
  return ParseFeatureSchema(text, path);
}

std::vector<Anomaly> Validate(const DatasetStats& stats, const FeatureSchema& schema) {
  std::vector<Anomaly> out;
  const double rows = static_cast<double>(std::max<int64_t>(1, stats.rows()));
  for (const auto& spec : schema.features) {
    const FeatureStats* f = stats.Find(spec.name);
    if (f == nullptr) {
      out.push_back(
          {spec.name, "missing_feature", "the feature is in the schema but not in the data", 0, 0});
      continue;
    }
    // A feature without values has no type of its own (an all-empty column reads as text):
    // only its missing values are checked.
    const int64_t values = f->numeric() ? f->num.count + f->num.non_finite : f->cat.count;
    if (f->type != spec.type && values > 0 && spec.type != ColumnType::kNull) {
      out.push_back({spec.name, "type_mismatch",
                     fmt::format("the data has type {}, the schema {}",
                                 data::ColumnTypeName(f->type), data::ColumnTypeName(spec.type)),
                     0, 0});
      continue;
    }
    double missing = static_cast<double>(f->missing) / rows;
    if (spec.required && f->missing > 0) {
      out.push_back({spec.name, "missing_values",
                     fmt::format("{} rows lack a required feature", f->missing), missing, 0});
    } else if (spec.max_missing_fraction && missing > *spec.max_missing_fraction) {
      out.push_back({spec.name, "missing_values",
                     fmt::format("{:.2f}% of rows lack the feature", 100 * missing), missing,
                     *spec.max_missing_fraction});
    }
    if (values == 0) continue;
    if (f->numeric()) {
      if (f->num.non_finite > 0)
        out.push_back({spec.name, "non_finite_values",
                       fmt::format("{} {} infinite (+inf or -inf)", f->num.non_finite,
                                   f->num.non_finite == 1 ? "value is" : "values are"),
                       static_cast<double>(f->num.non_finite) / rows, 0});
      if (spec.min && f->num.count > 0 && f->num.min < *spec.min) {
        auto [tv, tb] = DistinctNumbers(f->num.min, *spec.min);
        out.push_back({spec.name, "out_of_range", fmt::format("minimum {} is below {}", tv, tb),
                       f->num.min, *spec.min});
      }
      if (spec.max && f->num.count > 0 && f->num.max > *spec.max) {
        auto [tv, tb] = DistinctNumbers(f->num.max, *spec.max);
        out.push_back({spec.name, "out_of_range", fmt::format("maximum {} is above {}", tv, tb),
                       f->num.max, *spec.max});
      }
    } else if (!spec.domain.empty()) {
      std::set<std::string, std::less<>> allowed(spec.domain.begin(), spec.domain.end());
      std::vector<std::pair<std::string, int64_t>> unexpected;
      int64_t n = 0;
      for (const auto& [v, c] : f->cat.counts)
        if (!allowed.count(v)) {
          unexpected.emplace_back(v, c);
          n += c;
        }
      const double share = static_cast<double>(n) / static_cast<double>(f->cat.count);
      const double allowed_share = spec.min_domain_mass ? 1 - *spec.min_domain_mass : 0;
      if (!unexpected.empty() && share > allowed_share) {
        std::sort(unexpected.begin(), unexpected.end(), [](const auto& a, const auto& b) {
          return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        std::string list;
        for (size_t i = 0; i < unexpected.size() && i < 10; ++i)
          list += (list.empty() ? "" : ", ") +
                  fmt::format("'{}' ({})", unexpected[i].first, unexpected[i].second);
        if (unexpected.size() > 10) list += fmt::format(", and {} more", unexpected.size() - 10);
        out.push_back({spec.name, "out_of_domain",
                       allowed_share > 0
                           ? fmt::format("{:.2f}% of values are outside the domain (at most "
                                         "{:.4g}% may be): {}",
                                         100 * share, 100 * allowed_share, list)
                           : fmt::format("unexpected values: {}", list),
                       share, allowed_share});
      }
    }
  }
  for (const auto& f : stats.features())
    if (schema.Find(f.name) == nullptr)
      out.push_back(
          {f.name, "new_feature", "the feature is in the data but not in the schema", 0, 0});
  return out;
}

nlohmann::json AnomaliesToJson(const std::vector<Anomaly>& anomalies) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : anomalies)
    list.push_back({{"feature", a.feature},
                    {"kind", a.kind},
                    {"description", a.description},
                    {"value", a.value},
                    {"threshold", a.threshold}});
  return list;
}

}  // namespace lathe::stats
