#include "lathe/server/kserve_v2_grpc.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "lathe/core/json_depth.h"

namespace lathe::server {

namespace {

namespace pb = ::inference;

static_assert(std::endian::native == std::endian::little,
              "raw tensor contents are little-endian; this reads them in place");

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

}  // namespace

Result<nlohmann::json> InferRequestJson(const pb::ModelInferRequest& request) {
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

void FillInferResponse(const nlohmann::json& answer, pb::ModelInferResponse& response) {
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
        c->add_bytes_contents(v.is_string() ? v.get<std::string>() : JsonText(v));
    }
  }
}

}  // namespace lathe::server
