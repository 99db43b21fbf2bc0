// The KServe v2 Open Inference Protocol
// (https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/), independent of
// its transport: the REST face (rest_api.h) and the gRPC face (server/grpc_server.h) both
// translate to and from the protocol's JSON form and call these, so the two answer alike, with
// the same checks and messages.
//
// Each input tensor is one of the model's raw input columns, of shape [N] or [N, 1]; strings
// travel as BYTES. Outputs are those of serve::Outputs (inference.h).
//
// Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "lathe/core/status.h"
#include "lathe/serve/inference.h"
#include "lathe/serve/model_manager.h"

namespace lathe::serve::kserve {

// The protocol's datatype for a bundle column type name: "double" -> "FP64", "int64" -> "INT64",
// "bool" -> "BOOL", anything else -> "BYTES".
std::string Datatype(const std::string& lathe_type);

// {"name", "version", "extensions"}.
nlohmann::json ServerMetadata();

// {"name", "versions", "platform", "inputs", "outputs"} of a served model; `version` empty for
// the default (newest served). NOT_FOUND for an unknown model or version.
Result<nlohmann::json> ModelMetadata(const ModelManager& manager, const std::string& name,
                                     std::optional<int64_t> version);

// OK when the model (or that version) is served; NOT_FOUND saying why otherwise.
Status ModelReady(const ModelManager& manager, const std::string& name,
                  std::optional<int64_t> version);

// One inference request in the protocol's JSON form ({"id"?, "inputs": [{"name", "datatype",
// "shape", "data"}], "outputs"?: [{"name"}]}) -> the JSON answer ({"model_name",
// "model_version", "id"?, "outputs": [{"name", "datatype", "shape", "data"}]}). Records the
// request in the version's metrics (as an error when it fails). Errors: NOT_FOUND for an unknown
// model or version; INVALID_ARGUMENT naming the tensor and what is wrong.
// A request header (or gRPC metadata) by name, for deployments' sticky keys; nullopt: absent.
using HeaderLookup = std::function<std::optional<std::string>(std::string_view)>;

// With no `version`, a deployment of `name` routes the request (RouteInference); its sticky key
// is the header it names or the first value of the input tensor it names.
Result<nlohmann::json> Infer(const InferApi& api, const std::string& name,
                             std::optional<int64_t> version, const nlohmann::json& request,
                             const InferContext& context, const HeaderLookup& header = nullptr);

// Counts a request refused before it could be read (a body that is not JSON, contents that do
// not decode) against the version it was sent to, or as unrouted when there is none; returns
// the lookup's status (NOT_FOUND for an unknown model or version, else OK).
Status RecordRejected(const InferApi& api, const std::string& name, std::optional<int64_t> version);

// "" -> the default version; "3" -> 3; anything else INVALID_ARGUMENT.
Result<std::optional<int64_t>> ParseVersion(const std::string& text);

}  // namespace lathe::serve::kserve
