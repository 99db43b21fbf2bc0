#include "lathe/server/grpc_server.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <bit>
#include <cstring>
#include <mutex>
#include <semaphore>

#include "grpc_predict_v2.grpc.pb.h"
#include "lathe/core/fs.h"
#include "lathe/core/threads.h"
#include "lathe/registry/model_repository.h"
#include "lathe/serve/bearer_token.h"
#include "lathe/serve/kserve_v2.h"
#include "lathe/server/kserve_v2_grpc.h"
#include "lathe/server/request_ids.h"

namespace lathe::server {

namespace {

namespace pb = ::inference;

grpc::Status ToGrpc(const Status& st) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (st.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case StatusCode::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case StatusCode::kFailedPrecondition:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
    case StatusCode::kUnavailable:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    default:
      break;
  }
  return {code, st.message()};
}

std::string Metadata(const grpc::ServerContext& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

namespace detail {

class InferenceService final : public pb::GRPCInferenceService::Service {
 public:
  InferenceService(const GrpcServerOptions& options, serve::ModelManager& manager,
                   serve::ServingMetrics& metrics)
      : options_(options),
        manager_(manager),
        metrics_(metrics),
        working_(ThreadCount(options.threads)) {}

  grpc::Status ServerLive(grpc::ServerContext*, const pb::ServerLiveRequest*,
                          pb::ServerLiveResponse* response) override {
    response->set_live(true);
    return grpc::Status::OK;
  }

  grpc::Status ServerReady(grpc::ServerContext*, const pb::ServerReadyRequest*,
                           pb::ServerReadyResponse* response) override {
    response->set_ready(manager_.Ready());
    return grpc::Status::OK;
  }

  grpc::Status ServerMetadata(grpc::ServerContext*, const pb::ServerMetadataRequest*,
                              pb::ServerMetadataResponse* response) override {
    const auto j = serve::kserve::ServerMetadata();
    response->set_name(j["name"].get<std::string>());
    response->set_version(j["version"].get<std::string>());
    for (const auto& e : j["extensions"]) response->add_extensions(e.get<std::string>());
    return grpc::Status::OK;
  }

  // As Triton does, an unknown model is "not ready" rather than an error; a malformed version
  // is an error.
  grpc::Status ModelReady(grpc::ServerContext*, const pb::ModelReadyRequest* request,
                          pb::ModelReadyResponse* response) override {
    auto version = serve::kserve::ParseVersion(request->version());
    if (!version.ok()) return ToGrpc(version.status());
    response->set_ready(CheckName(request->name()).ok() &&
                        serve::kserve::ModelReady(manager_, request->name(), *version).ok());
    return grpc::Status::OK;
  }

  grpc::Status ModelMetadata(grpc::ServerContext*, const pb::ModelMetadataRequest* request,
                             pb::ModelMetadataResponse* response) override {
    if (Status st = CheckName(request->name()); !st.ok()) return ToGrpc(st);
    auto version = serve::kserve::ParseVersion(request->version());
    if (!version.ok()) return ToGrpc(version.status());
    auto j = serve::kserve::ModelMetadata(manager_, request->name(), *version);
    if (!j.ok()) return ToGrpc(j.status());
    response->set_name((*j)["name"].get<std::string>());
    for (const auto& v : (*j)["versions"]) response->add_versions(v.get<std::string>());
    response->set_platform((*j)["platform"].get<std::string>());
    auto add = [](const nlohmann::json& t, pb::ModelMetadataResponse::TensorMetadata* out) {
      out->set_name(t["name"].get<std::string>());
      out->set_datatype(t["datatype"].get<std::string>());
      for (const auto& d : t["shape"]) out->add_shape(d.get<int64_t>());
    };
    for (const auto& t : (*j)["inputs"]) add(t, response->add_inputs());
    for (const auto& t : (*j)["outputs"]) add(t, response->add_outputs());
    return grpc::Status::OK;
  }

  grpc::Status ModelInfer(grpc::ServerContext* context, const pb::ModelInferRequest* request,
                          pb::ModelInferResponse* response) override {
    const auto received = std::chrono::steady_clock::now();
    const std::string id = ids_.OrNext(Metadata(*context, "x-request-id"));
    context->AddInitialMetadata("x-request-id", id);
    // At most the thread budget's calls work at once; the others wait here for a turn.
    working_.acquire();
    const grpc::Status status = Infer(*context, *request, *response, id, received);
    working_.release();
    if (!status.ok())
      spdlog::info("request {}: gRPC ModelInfer {} -> {} {}", id,
                   request->model_name().substr(0, 80), static_cast<int>(status.error_code()),
                   status.error_message().substr(0, 300));
    return status;
  }

 private:
  // A model name that cannot exist is NOT_FOUND with the rule it breaks (as over REST).
  static Status CheckName(const std::string& name) {
    Status st = registry::ModelRepository::CheckModelName(name);
    return st.ok() ? st : NotFoundError(st.message());
  }

  grpc::Status Infer(const grpc::ServerContext& context, const pb::ModelInferRequest& request,
                     pb::ModelInferResponse& response, const std::string& id,
                     std::chrono::steady_clock::time_point received) {
    if (!options_.predict_token.empty()) {
      const std::string authorization = Metadata(context, "authorization");
      if (!serve::BearerTokenMatches(authorization, options_.predict_token))
        return {grpc::StatusCode::UNAUTHENTICATED,
                std::string(serve::BearerTokenProblem(authorization))};
    }
    if (Status st = CheckName(request.model_name()); !st.ok()) {
      metrics_.RecordUnrouted();
      return ToGrpc(st);
    }
    auto version = serve::kserve::ParseVersion(request.model_version());
    if (!version.ok()) {
      metrics_.RecordUnrouted();
      return ToGrpc(version.status());
    }
    const serve::InferApi api{manager_, metrics_, options_.request_log, options_.deployments,
                              options_.shadow};
    auto json = InferRequestJson(request);
    if (!json.ok()) {
      // An unknown model is the first thing to say, as over REST.
      const Status found = serve::kserve::RecordRejected(api, request.model_name(), *version);
      return ToGrpc(found.ok() ? json.status() : found);
    }
    auto answer = serve::kserve::Infer(
        api, request.model_name(), *version, *json, {"", id, received, options_.request_log},
        [&context](std::string_view name) -> std::optional<std::string> {
          // gRPC metadata keys are lower case.
          std::string key(name);
          for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          const auto& md = context.client_metadata();
          auto it = md.find(key);
          if (it == md.end()) return std::nullopt;
          return std::string(it->second.data(), it->second.size());
        });
    if (!answer.ok()) return ToGrpc(answer.status());
    FillInferResponse(*answer, response);
    return grpc::Status::OK;
  }

  const GrpcServerOptions options_;
  serve::ModelManager& manager_;
  serve::ServingMetrics& metrics_;
  RequestIds ids_;
  std::counting_semaphore<> working_;
};

}  // namespace detail

// Calls over the thread budget that may wait for a turn; more at once are refused (overload).
constexpr int kMaxWaitingCalls = 256;

class GrpcServer::Impl {
 public:
  Impl(const GrpcServerOptions& options, serve::ModelManager& manager,
       serve::ServingMetrics& metrics)
      : service(options, manager, metrics) {}
  detail::InferenceService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::once_flag shutdown;
};

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const GrpcServerOptions& options,
                                                      serve::ModelManager& manager,
                                                      serve::ServingMetrics& metrics) {
  auto impl = std::make_unique<Impl>(options, manager, metrics);
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty())
      return InvalidArgumentError("TLS needs both a certificate file and a key file");
    auto cert = ReadTextFile(options.tls_cert_file, "TLS certificate", 1 << 20);
    if (!cert.ok()) return InvalidArgumentError(cert.status().message());
    auto key = ReadTextFile(options.tls_key_file, "TLS key", 1 << 20);
    if (!key.ok()) return InvalidArgumentError(key.status().message());
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }
  const int threads = ThreadCount(options.threads);
  grpc::ServerBuilder builder;
  // One completion queue and at most `threads` pollers. gRPC's sync server answers a call it
  // has no thread for RESOURCE_EXHAUSTED ("Server Threadpool Exhausted") instead of queueing
  // it, and its thread quota counts pollers and waiting calls alike; so the quota leaves room for
  // kMaxWaitingCalls calls, and the cores are shared by letting only `threads` of them work at
  // once (InferenceService::working_): the REST face, the model manager and XGBoost draw on the
  // same cores.
  grpc::ResourceQuota quota("lathe-grpc");
  quota.SetMaxThreads(2 * threads + kMaxWaitingCalls);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, threads);
  // gRPC binds with SO_REUSEPORT by default: a second server on the same port would then start
  // and silently take a share of the traffic. A port in use is an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(
      std::min<size_t>(options.max_message_bytes, std::numeric_limits<int>::max())));
  const std::string address = options.address.find(':') != std::string::npos
                                  ? fmt::format("[{}]:{}", options.address, options.port)
                                  : fmt::format("{}:{}", options.address, options.port);
  builder.AddListeningPort(address, credentials, &impl->port);
  builder.RegisterService(&impl->service);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0)
    return UnavailableError(
        fmt::format("gRPC: cannot listen on {} (is the port in use, or the address not this "
                    "machine's?)",
                    address));
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServer::~GrpcServer() {
  Shutdown(std::chrono::milliseconds(0));
}

int GrpcServer::port() const {
  return impl_->port;
}

void GrpcServer::Shutdown(std::chrono::milliseconds grace) {
  std::call_once(impl_->shutdown, [&] {
    impl_->server->Shutdown(std::chrono::system_clock::now() + grace);
    impl_->server->Wait();
  });
}

}  // namespace lathe::server
