// Resolver components: they select existing artifacts from the store instead of making files, and
// are recorded like any execution (with OUTPUT events to what they selected). They run every
// time (never cached), so a pipeline picks up new data and newly blessed models. Their one output
// is `result`. Finding nothing fails the node, unless `optional: true` (then `result` is empty
// and inputs fed by it receive no artifact). Parameters:
//   resolver.latest_artifact       type (required), context (a context name), count (default 1)
//   resolver.latest_blessed_model  type (default Model), blessing_type (default ModelBlessing),
//   context
//                                  -- the newest LIVE model that a LIVE blessing with custom
//                                  properties blessed=1 and current_model_id=<model id> points at
//   resolver.latest_spans          type (required), n (default 1), skip (default 0), context --
//                                  for each of the n highest values of the artifacts' `span`
//                                  property (typed or custom) below the `skip` highest, the
//                                  newest artifact of that span, oldest span first
#pragma once

#include "lathe/pipeline/component.h"

namespace lathe::pipeline {

void RegisterResolvers(ComponentRegistry& registry);

}  // namespace lathe::pipeline
