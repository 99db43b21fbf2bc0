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

}  // namespace lathe::transform::ops
