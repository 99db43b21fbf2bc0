// The gRPC face of `lathe serve`: the KServe v2 Open Inference Protocol's GRPCInferenceService
// (proto/grpc_predict_v2.proto) over gRPC's synchronous server, with the same protocol code as
// the REST face (serve/kserve_v2.h), so both answer alike.
//
//   ServerLive, ServerReady, ModelReady, ServerMetadata, ModelMetadata   never need a token
//   ModelInfer   needs "authorization: Bearer <token>" metadata when a predict token is set
//
// Inputs come in typed `contents` or in `raw_input_contents` (little-endian; BYTES elements with
// a 4-byte length prefix); outputs go out in typed `contents`. Errors carry the gRPC code that
// fits (INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, UNAVAILABLE) and the same message the REST
// face gives. Request ids come from "x-request-id" metadata or are generated, and are sent back
// in the same metadata key.
//
// Concurrency: calls beyond `threads` wait for a turn (up to 256 waiting), they are not refused.
// Thread-safety: the RPC threads (at most `threads` working at once, from the thread budget) call
// into the manager and metrics, which are thread-safe; Shutdown may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "lathe/core/status.h"
#include "lathe/serve/metrics.h"
#include "lathe/serve/model_manager.h"
#include "lathe/serve/request_log.h"

namespace lathe::serve {
class Deployments;
class ShadowMirror;
}  // namespace lathe::serve

namespace lathe::server {

struct GrpcServerOptions {
  std::string address = "0.0.0.0";
  int port = 8081;  // 0: any free port (see GrpcServer::port)
  int threads = 0;  // RPC threads; 0: the thread budget
  size_t max_message_bytes = 4u << 20;
  std::string predict_token;  // non-empty: ModelInfer needs it (never logged)
  // TLS when both are set: PEM files, the certificate chain and its private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  serve::RequestLog* request_log = nullptr;  // optional, not owned
  // Optional, not owned: route by deployments (sticky headers come from the call's metadata),
  // and mirror to their shadow versions.
  serve::Deployments* deployments = nullptr;
  serve::ShadowMirror* shadow = nullptr;
};

class GrpcServer {
 public:
  // Binds and starts serving. `manager` and `metrics` must outlive the server. INVALID_ARGUMENT
  // for an unreadable TLS file (naming it), UNAVAILABLE when the address cannot be bound.
  static Result<std::unique_ptr<GrpcServer>> Start(const GrpcServerOptions& options,
                                                   serve::ModelManager& manager,
                                                   serve::ServingMetrics& metrics);
  ~GrpcServer();  // Shutdown()

  int port() const;  // the bound port

  // Stops accepting, lets calls in flight finish for up to `grace`, then cancels the rest;
  // blocks until done. Safe to call more than once.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));

  class Impl;

 private:
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lathe::server
