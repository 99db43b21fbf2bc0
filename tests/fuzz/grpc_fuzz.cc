// libFuzzer target for the gRPC face's request handling over the penguins bundle in rest_bundle/:
// the input is a serialized KServe v2 ModelInferRequest (seeds from grpc_seed). Whatever parses as
// one goes through what ModelInfer does -- InferRequestJson, kserve::Infer, FillInferResponse --
// and must be answered or refused with a message, never crash, throw or hang (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>

#include "lathe/serve/kserve_v2.h"
#include "lathe/server/kserve_v2_grpc.h"
#include "served_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Never destroyed (see rest_fuzz.cc: XGBoost and static destruction).
  static auto* served = new lathe::fuzz::ServedBundle("lathe-grpc-fuzz");
  ::inference::ModelInferRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto version = lathe::serve::kserve::ParseVersion(request.model_version());
  if (!version.ok()) return 0;
  auto json = lathe::server::InferRequestJson(request);
  if (!json.ok()) {
    if (json.status().message().empty()) __builtin_trap();
    return 0;
  }
  const lathe::serve::InferApi api{*served->manager, served->metrics, nullptr};
  auto answer = lathe::serve::kserve::Infer(api, request.model_name(), *version, *json, {});
  if (!answer.ok()) {
    if (answer.status().message().empty()) __builtin_trap();
    return 0;
  }
  ::inference::ModelInferResponse response;
  lathe::server::FillInferResponse(*answer, response);
  if (response.outputs_size() == 0) __builtin_trap();
  return 0;
}
