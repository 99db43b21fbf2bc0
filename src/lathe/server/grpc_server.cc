#include "lathe/server/grpc_server.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <bit>
#include <cstring>
#include <mutex>

#include "grpc_predict_v2.grpc.pb.h"
#include "lathe/core/fs.h"
#include "lathe/core/threads.h"
#include "lathe/registry/model_repository.h"
#include "lathe/serve/bearer_token.h"
#include "lathe/serve/kserve_v2.h"
#include "lathe/server/request_ids.h"

namespace lathe::server {

namespace {

namespace pb = ::inference;

static_assert(std::endian::native == std::endian::little,
              "raw tensor contents are little-endian; this reads them in place");

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

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal
  else if (exponent == 31)
    magnitude = mantissa == 0 ? INFINITY : NAN;
  else
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
  return sign ? -magnitude : magnitude;
}

template <class T>
nlohmann::json ReadFixed(const std::string& raw) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i + sizeof(T) <= raw.size(); i += sizeof(T)) {
    T v;
    std::memcpy(&v, raw.data() + i, sizeof(T));
    if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, bool>)
      out.push_back(static_cast<unsigned>(v));
    else
      out.push_back(v);
  }
  return out;
}

// One input's values from its raw bytes, as the protocol's JSON "data".
Result<nlohmann::json> DecodeRaw(const std::string& datatype, const std::string& raw,
                                 const std::string& where) {
  auto size_error = [&](size_t width) {
    return InvalidArgumentError(fmt::format(
        "{}: raw_input_contents holds {} bytes, not a whole number of {}-byte {} values", where,
        raw.size(), width, datatype));
  };
  auto fixed = [&]<class T>(T) -> Result<nlohmann::json> {
    if (raw.size() % sizeof(T) != 0) return size_error(sizeof(T));
    return ReadFixed<T>(raw);
  };
  if (datatype == "BOOL") {
    if (auto values = fixed(uint8_t{}); !values.ok()) return values;
    nlohmann::json out = nlohmann::json::array();
    for (unsigned char c : raw) out.push_back(c != 0);
    return out;
  }
  if (datatype == "INT8") return fixed(int8_t{});
  if (datatype == "INT16") return fixed(int16_t{});
  if (datatype == "INT32") return fixed(int32_t{});
  if (datatype == "INT64") return fixed(int64_t{});
  if (datatype == "UINT8") return fixed(uint8_t{});
  if (datatype == "UINT16") return fixed(uint16_t{});
  if (datatype == "UINT32") return fixed(uint32_t{});
  if (datatype == "UINT64") return fixed(uint64_t{});
  if (datatype == "FP32") return fixed(float{});
  if (datatype == "FP64") return fixed(double{});
  if (datatype == "FP16") {
    if (raw.size() % 2 != 0) return size_error(2);
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < raw.size(); i += 2) {
      uint16_t h;
      std::memcpy(&h, raw.data() + i, 2);
      out.push_back(HalfToFloat(h));
    }
    return out;
  }
  if (datatype == "BYTES") {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < raw.size();) {
      uint32_t n;
      if (raw.size() - i < 4)
        return InvalidArgumentError(
            fmt::format("{}: raw_input_contents ends inside an element's length", where));
      std::memcpy(&n, raw.data() + i, 4);
      i += 4;
      if (raw.size() - i < n)
        return InvalidArgumentError(fmt::format(
            "{}: raw_input_contents ends inside an element ({} bytes announced, {} left)", where, n,
            raw.size() - i));
      out.push_back(raw.substr(i, n));
      i += n;
    }
    return out;
  }
  // Unknown datatypes are named by the shared checks.
  return nlohmann::json::array();
}

// One input's values from its typed contents: the field of its datatype.
nlohmann::json DecodeContents(const std::string& datatype, const pb::InferTensorContents& c) {
  auto list = [](const auto& field) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : field) out.push_back(v);
    return out;
  };
  if (datatype == "BOOL") return list(c.bool_contents());
  if (datatype == "INT8" || datatype == "INT16" || datatype == "INT32")
    return list(c.int_contents());
  if (datatype == "INT64") return list(c.int64_contents());
  if (datatype == "UINT8" || datatype == "UINT16" || datatype == "UINT32")
    return list(c.uint_contents());
  if (datatype == "UINT64") return list(c.uint64_contents());
  if (datatype == "FP32") return list(c.fp32_contents());
  if (datatype == "FP64") return list(c.fp64_contents());
  if (datatype == "BYTES") return list(c.bytes_contents());
  return nlohmann::json::array();
}

// The request in the protocol's JSON form (kserve_v2.h).
Result<nlohmann::json> RequestJson(const pb::ModelInferRequest& request) {
  const bool raw = request.raw_input_contents_size() > 0;
  if (raw && request.raw_input_contents_size() != request.inputs_size())
    return InvalidArgumentError(
        fmt::format("raw_input_contents has {} entries for {} inputs: give one per input",
                    request.raw_input_contents_size(), request.inputs_size()));
  nlohmann::json out = nlohmann::json::object();
  if (!request.id().empty()) out["id"] = request.id();
  nlohmann::json inputs = nlohmann::json::array();
  for (int t = 0; t < request.inputs_size(); ++t) {
    const auto& in = request.inputs(t);
    nlohmann::json tensor = {{"name", in.name()}, {"datatype", in.datatype()}};
    nlohmann::json shape = nlohmann::json::array();
    for (int64_t d : in.shape()) shape.push_back(d);
    tensor["shape"] = std::move(shape);
    if (raw) {
      LATHE_ASSIGN_OR_RETURN(tensor["data"],
                             DecodeRaw(in.datatype(), request.raw_input_contents(t),
                                       fmt::format("inputs[{}] ({})", t, in.name().substr(0, 80))));
    } else {
      tensor["data"] = DecodeContents(in.datatype(), in.contents());
    }
    inputs.push_back(std::move(tensor));
  }
  out["inputs"] = std::move(inputs);
  if (request.outputs_size() > 0) {
    nlohmann::json outputs = nlohmann::json::array();
    for (const auto& o : request.outputs()) outputs.push_back({{"name", o.name()}});
    out["outputs"] = std::move(outputs);
  }
  return out;
}

// The JSON answer (kserve_v2.h) as the protocol's response, values in typed contents.
void FillResponse(const nlohmann::json& answer, pb::ModelInferResponse& response) {
  response.set_model_name(answer.value("model_name", ""));
  response.set_model_version(answer.value("model_version", ""));
  if (answer.contains("id")) response.set_id(answer["id"].get<std::string>());
  for (const auto& o : answer["outputs"]) {
    auto* out = response.add_outputs();
    out->set_name(o["name"].get<std::string>());
    const std::string datatype = o["datatype"].get<std::string>();
    out->set_datatype(datatype);
    for (const auto& d : o["shape"]) out->add_shape(d.get<int64_t>());
    auto* c = out->mutable_contents();
    for (const auto& v : o["data"]) {
      if (datatype == "FP64")
        c->add_fp64_contents(v.is_number() ? v.get<double>() : NAN);
      else if (datatype == "INT64")
        c->add_int64_contents(v.is_number() ? v.get<int64_t>() : 0);
      else if (datatype == "BOOL")
        c->add_bool_contents(v.is_boolean() && v.get<bool>());
      else
        c->add_bytes_contents(v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
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
      : options_(options), manager_(manager), metrics_(metrics) {}

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
    const grpc::Status status = Infer(*context, *request, *response, id, received);
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
    auto json = RequestJson(request);
    if (!json.ok()) {
      if (auto handle = manager_.Find(request.model_name(), *version, ""); handle.ok())
        (*handle)->metrics->RecordRequest("", false, 0, 0);
      else
        metrics_.RecordUnrouted();
      return ToGrpc(json.status());
    }
    const serve::InferApi api{manager_, metrics_, options_.request_log};
    auto answer = serve::kserve::Infer(api, request.model_name(), *version, *json,
                                       {"", id, received, options_.request_log});
    if (!answer.ok()) return ToGrpc(answer.status());
    FillResponse(*answer, response);
    return grpc::Status::OK;
  }

  const GrpcServerOptions options_;
  serve::ModelManager& manager_;
  serve::ServingMetrics& metrics_;
  RequestIds ids_;
};

}  // namespace detail

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
  // One completion queue, and no more RPC threads than the budget: the REST face, the model
  // manager and XGBoost draw on the same cores.
  grpc::ResourceQuota quota("lathe-grpc");
  quota.SetMaxThreads(threads + 1);
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
