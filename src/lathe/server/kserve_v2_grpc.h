// The KServe v2 gRPC messages (proto/grpc_predict_v2.proto) to and from the protocol's JSON form,
// which serve/kserve_v2.h checks and answers. Kept apart from the gRPC server so that it can be
// tested and fuzzed without a network (tests/fuzz/grpc_fuzz.cc). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "grpc_predict_v2.pb.h"
#include "lathe/core/status.h"

namespace lathe::server {

// A ModelInferRequest as {"id"?, "inputs": [{"name", "datatype", "shape", "data"}], "outputs"?}.
// Values come from the typed `contents` field of each input's datatype, or from
// `raw_input_contents` (little-endian; BYTES elements after a 4-byte little-endian length; FP16
// decoded to float). INVALID_ARGUMENT when raw contents are not one entry per input, or an entry
// is not a whole number of values. Checks against the model are kserve::Infer's.
Result<nlohmann::json> InferRequestJson(const ::inference::ModelInferRequest& request);

// kserve::Infer's JSON answer as a ModelInferResponse, values in typed `contents`.
void FillInferResponse(const nlohmann::json& answer, ::inference::ModelInferResponse& response);

}  // namespace lathe::server
