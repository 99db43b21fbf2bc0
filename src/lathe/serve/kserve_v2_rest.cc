// The KServe v2 Open Inference Protocol over REST: routes' answers as HTTP responses, the
// protocol itself being kserve_v2.h.
#include "lathe/serve/detail/rest_common.h"
#include "lathe/serve/kserve_v2.h"

namespace lathe::serve::detail {

HttpResponse KserveServerMetadata() {
  return JsonResponse(200, kserve::ServerMetadata());
}

HttpResponse KserveModelMetadata(const ModelManager& manager, const std::string& name,
                                 const VersionSelector& sel) {
  auto metadata = kserve::ModelMetadata(manager, name, sel.version);
  if (!metadata.ok()) return ErrorResponse(metadata.status());
  return JsonResponse(200, *metadata);
}

HttpResponse KserveModelReady(const ModelManager& manager, const std::string& name,
                              const VersionSelector& sel) {
  const Status ready = kserve::ModelReady(manager, name, sel.version);
  if (!ready.ok())  // an error answer says why, as every other one does
    return JsonResponse(404, {{"name", name}, {"ready", false}, {"error", ready.message()}});
  return JsonResponse(200, {{"name", name}, {"ready", true}});
}

HttpResponse KserveInfer(const InferApi& api, const std::string& name, const VersionSelector& sel,
                         const HttpRequest& request) {
  auto body = ParseBody(request);
  if (!body.ok()) {
    // An unknown model is the first thing to say.
    const Status found = kserve::RecordRejected(api, name, sel.version);
    return ErrorResponse(found.ok() ? body.status() : found);
  }
  auto answer = kserve::Infer(api, name, sel.version, *body,
                              {"", request.request_id, request.received, api.log}, request.header);
  if (!answer.ok()) return ErrorResponse(answer.status());
  return JsonResponse(200, *answer);
}

}  // namespace lathe::serve::detail
