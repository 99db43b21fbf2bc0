// The built-in feature ops, one file each (standardize and min_max share one), registered by
// FeatureOpRegistry::Builtin (feature_op.cc). Inside transform/ only.
#pragma once

#include "lathe/transform/feature_op.h"

namespace lathe::transform::ops {

void RegisterIdentity(FeatureOpRegistry& registry);    // identity.cc
void RegisterScaling(FeatureOpRegistry& registry);     // scaling.cc: standardize, min_max
void RegisterLog(FeatureOpRegistry& registry);         // log.cc
void RegisterClip(FeatureOpRegistry& registry);        // clip.cc
void RegisterBucketize(FeatureOpRegistry& registry);   // bucketize.cc
void RegisterVocabulary(FeatureOpRegistry& registry);  // vocabulary.cc
void RegisterHash(FeatureOpRegistry& registry);        // hash.cc
void RegisterDatePart(FeatureOpRegistry& registry);    // date_part.cc
void RegisterCross(FeatureOpRegistry& registry);       // cross.cc

// What hash and cross share: they read their values as text and hash them into `buckets`
// buckets (1024 by default).
class HashingOp : public FeatureOp {
 public:
  std::vector<std::string> options() const override { return {"buckets"}; }
  void ParseOptions(const nlohmann::json& f, const std::string& at, OptionReader& reader,
                    FeatureSpec& spec) const override;
  void OptionsToJson(const FeatureSpec& spec, nlohmann::json& out) const override;
  bool reads_text() const override { return true; }
};

}  // namespace lathe::transform::ops
