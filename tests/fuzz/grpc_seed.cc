// Writes serialized KServe v2 ModelInferRequests for the penguins bundle into a directory, with
// typed contents and with raw contents: the seeds grpc_fuzz mutates (scripts/fuzz.sh).
// Usage: grpc_seed DIR
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "grpc_predict_v2.pb.h"

namespace {

template <class T>
std::string Raw(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

std::string RawBytes(std::initializer_list<const char*> values) {
  std::string out;
  for (const char* v : values) {
    const uint32_t n = static_cast<uint32_t>(std::strlen(v));
    out.append(reinterpret_cast<const char*>(&n), 4);
    out += v;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  for (int raw = 0; raw < 2; ++raw) {
    inference::ModelInferRequest r;
    r.set_model_name("penguins");
    r.set_id("seed");
    auto add = [&](const char* name, const char* datatype) {
      auto* t = r.add_inputs();
      t->set_name(name);
      t->set_datatype(datatype);
      t->add_shape(2);
      return t;
    };
    auto* bill = add("bill_length_mm", "FP64");
    auto* depth = add("bill_depth_mm", "FP32");
    auto* flipper = add("flipper_length_mm", "INT64");
    auto* mass = add("body_mass_g", "INT32");
    auto* island = add("island", "BYTES");
    auto* sex = add("sex", "BYTES");
    if (raw) {
      r.add_raw_input_contents(Raw({39.1, 46.5}));
      r.add_raw_input_contents(Raw({18.7f, 13.5f}));
      r.add_raw_input_contents(Raw<int64_t>({181, 210}));
      r.add_raw_input_contents(Raw<int32_t>({3750, 4550}));
      r.add_raw_input_contents(RawBytes({"Torgersen", "Biscoe"}));
      r.add_raw_input_contents(RawBytes({"male", "female"}));
    } else {
      for (double v : {39.1, 46.5}) bill->mutable_contents()->add_fp64_contents(v);
      for (float v : {18.7f, 13.5f}) depth->mutable_contents()->add_fp32_contents(v);
      for (int64_t v : {181, 210}) flipper->mutable_contents()->add_int64_contents(v);
      for (int32_t v : {3750, 4550}) mass->mutable_contents()->add_int_contents(v);
      for (const char* v : {"Torgersen", "Biscoe"})
        island->mutable_contents()->add_bytes_contents(v);
      for (const char* v : {"male", "female"}) sex->mutable_contents()->add_bytes_contents(v);
      r.add_outputs()->set_name("class");
    }
    std::ofstream(std::string(argv[1]) + "/seed-" + std::to_string(raw) + ".pb", std::ios::binary)
        << r.SerializeAsString();
  }
  return 0;
}
