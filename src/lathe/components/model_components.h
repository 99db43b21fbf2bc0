// The model components of a pipeline, as in TFX, each a thin executor over transform/, train/
// and eval/:
//   Transform       Examples -> TransformGraph (the feature spec fitted on the train split)
//   Trainer         Examples (one or more spans) + TransformGraph [+ base_model] -> Model (bundle)
//   Evaluator       Examples + Model [+ baseline Model] -> ModelEvaluation + ModelBlessing
//   InfraValidator  Model + Examples -> InfraBlessing (loads and predicts as the server would)
//   Pusher          Model + ModelBlessing [+ InfraBlessing] -> PushedModel (a numbered version
//                   in a model repository, only when blessed)
// Parameters are documented in docs/components.md; bundles in docs/bundles.md.
#pragma once

#include "lathe/pipeline/component.h"

namespace lathe::components {

void RegisterModelComponents(pipeline::ComponentRegistry& registry);

}  // namespace lathe::components
