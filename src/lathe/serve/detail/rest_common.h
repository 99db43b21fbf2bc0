// Shared by the REST handlers (rest_api.cc, tf_serving_rest.cc, kserve_v2_rest.cc); not public.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "lathe/core/status.h"
#include "lathe/serve/http_json.h"
#include "lathe/serve/inference.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/rest_api.h"

namespace lathe::serve::detail {

using serve::ErrorResponse;
using serve::HttpStatusOf;
using serve::JsonResponse;
using serve::ParseBody;

// Which version a request addresses: by number, by label, or the default (newest).
struct VersionSelector {
  std::optional<int64_t> version;
  std::string label;
};

// A deployment-routed answer says which version answered and in which role
// (X-Lathe-Model-Version, X-Lathe-Deployment: NAME ROLE).
HttpResponse WithRoute(const RoutedServable& routed, HttpResponse response);
// A sticky key's text from a JSON value: a string as is, a number or bool as JSON; nullopt for
// none, null, lists and objects.
std::optional<std::string> KeyText(const nlohmann::json* value);

HttpResponse TfServingStatus(const ModelManager& manager, const std::string& name,
                             const VersionSelector& selector);
HttpResponse TfServingMetadata(const ModelManager& manager, const std::string& name,
                               const VersionSelector& selector);
HttpResponse TfServingInfer(const InferApi& api, const std::string& name,
                            const VersionSelector& selector, std::string_view verb,
                            const HttpRequest& request);

HttpResponse KserveServerMetadata();
HttpResponse KserveModelMetadata(const ModelManager& manager, const std::string& name,
                                 const VersionSelector& selector);
HttpResponse KserveModelReady(const ModelManager& manager, const std::string& name,
                              const VersionSelector& selector);
HttpResponse KserveInfer(const InferApi& api, const std::string& name,
                         const VersionSelector& selector, const HttpRequest& request);

// The data type of a bundle input column in TF Serving's vocabulary.
std::string TfDtype(const std::string& lathe_type);  // "double" -> "DT_DOUBLE"

}  // namespace lathe::serve::detail
