// The vocabulary Lathe's components, resolvers, model repository and commands share: the names of
// the artifact types they exchange (as TFX's standard artifacts) and of the properties they record
// on them. Defined once here so that a writer and its readers cannot drift apart. Constants only.
#pragma once

namespace lathe::metadata::standard {

// Context types: a pipeline, and each run of it (a child of the pipeline's context).
inline constexpr const char* kPipelineContext = "Pipeline";
inline constexpr const char* kPipelineRunContext = "PipelineRun";

// Artifact types.
inline constexpr const char* kExamples = "Examples";
inline constexpr const char* kStatistics = "ExampleStatistics";
inline constexpr const char* kSchema = "Schema";
inline constexpr const char* kAnomalies = "ExampleAnomalies";
inline constexpr const char* kTransformGraph = "TransformGraph";
inline constexpr const char* kModel = "Model";
inline constexpr const char* kModelEvaluation = "ModelEvaluation";
inline constexpr const char* kModelBlessing = "ModelBlessing";
inline constexpr const char* kInfraBlessing = "InfraBlessing";
inline constexpr const char* kPushedModel = "PushedModel";
// A file read from outside the artifact root (ExampleGen's CSV, a step's code file).
inline constexpr const char* kExternalArtifact = "ExternalArtifact";

// Properties of every artifact a pipeline node outputs.
inline constexpr const char* kNode = "node";
inline constexpr const char* kOutput = "output";
inline constexpr const char* kRun = "run";
inline constexpr const char* kStat = "stat";  // cheap signature of the files (launcher)
// Set on every artifact a reproduction makes (the id of the run it reproduces): resolvers, the
// cache and partial runs never select these, so a reproduction cannot change production state.
inline constexpr const char* kReproductionOf = "reproduction_of";
// Files from outside: their size in bytes.
inline constexpr const char* kSize = "size";

// Examples (and what is computed from one span).
inline constexpr const char* kSpan = "span";
inline constexpr const char* kVersion = "version";
inline constexpr const char* kSplitNames = "split_names";

// Model, ModelEvaluation, ModelBlessing, InfraBlessing, PushedModel.
inline constexpr const char* kModelId = "model_id";  // the Model artifact an artifact is about
inline constexpr const char* kCurrentModelId = "current_model_id";    // blessings
inline constexpr const char* kBaselineModelId = "baseline_model_id";  // evaluations, blessings
inline constexpr const char* kBlessed = "blessed";                    // 1 or 0
inline constexpr const char* kReasons = "reasons";                    // why not blessed
inline constexpr const char* kWarmStartFrom = "warm_start_from";      // Model: base model id
inline constexpr const char* kPushed = "pushed";                      // 1 or 0
inline constexpr const char* kModelName = "model_name";               // PushedModel
inline constexpr const char* kModelVersion = "version";               // PushedModel
inline constexpr const char* kDestination = "destination";            // PushedModel: directory
inline constexpr const char* kDryRun = "dry_run";  // PushedModel of a reproduction: nothing pushed
// A reproduction's PushedModel: the version in the repository holding the bundle it would push.
inline constexpr const char* kRepositoryVersion = "repository_version";

}  // namespace lathe::metadata::standard
