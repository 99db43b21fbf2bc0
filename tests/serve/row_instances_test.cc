// The fast path for row requests against the general one (ParseJsonText, NormaliseInstances, the
// unknown-input check, BatchFromInstances): what it accepts, it reads into the same batch.
#include "lathe/serve/row_instances.h"

#include <gtest/gtest.h>

#include <cstring>

#include "lathe/core/json_depth.h"
#include "lathe/serve/inference.h"
#include "lathe/train/bundle.h"
#include "testing/temp_dir.h"
#include "testing/toy_bundle.h"

namespace lathe::serve {
namespace {

using nlohmann::json;

// The batch the general path makes of `body`, or its error.
Result<data::Batch> GeneralPath(const std::string& body, const transform::TransformGraph& graph) {
  LATHE_ASSIGN_OR_RETURN(json j, ParseJsonText(body));
  if (!j.is_object() || j.size() != 1 || !j.contains("instances"))
    return InvalidArgumentError("not a row request");
  json instances = j["instances"];
  LATHE_RETURN_IF_ERROR(NormaliseInstances(instances, "instances"));
  for (const auto& inst : instances)
    for (const auto& [key, value] : inst.items())
      if (graph.inputs().Find(key) < 0) return InvalidArgumentError("unknown input " + key);
  return graph.BatchFromInstances(instances);
}

void ExpectSameBatch(const data::Batch& a, const data::Batch& b, const std::string& body) {
  ASSERT_EQ(a.schema, b.schema) << body;
  ASSERT_EQ(a.columns.size(), b.columns.size()) << body;
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const data::Column &x = a.columns[c], &y = b.columns[c];
    EXPECT_EQ(x.type(), y.type()) << body;
    EXPECT_EQ(x.validity(), y.validity()) << body << " column " << c;
    EXPECT_EQ(x.ints(), y.ints()) << body << " column " << c;
    ASSERT_EQ(x.doubles().size(), y.doubles().size()) << body << " column " << c;
    for (size_t i = 0; i < x.doubles().size(); ++i)  // bit for bit: -0.0 is not 0.0
      EXPECT_EQ(std::memcmp(&x.doubles()[i], &y.doubles()[i], sizeof(double)), 0)
          << body << " column " << c << " value " << i;
    EXPECT_EQ(x.bools(), y.bools()) << body;
    EXPECT_EQ(x.offsets(), y.offsets()) << body;
    EXPECT_EQ(x.chars(), y.chars()) << body;
  }
}

TEST(RowInstancesTest, ReadsWhatTheGeneralPathReadsAndDeclinesTheRest) {
  testing::TempDir tmp;
  testing::WriteToyBundle(tmp / "b", testing::ToyTask::kBinary);
  auto model = train::LoadedModel::Load((tmp / "b").string());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const auto& graph = (*model)->transform();  // inputs: x (double), n (int64), city (string)

  const std::vector<std::string> accepted = {
      R"({"instances": [{"x": 0.5, "n": 3, "city": "Oslo"}]})",
      R"({"instances": []})",
      R"( {"instances":[{"city":"Lima","x":-1e-3,"n":-7},{"x":2},{}]} )",
      R"({"instances": [{"x": 181, "n": 4.0, "city": "S\u00e3o Paulo \"q\""}]})",
      R"({"instances": [{"x": -0, "n": -0.0, "city": ""}, {"x": -0.0, "n": 0}]})",
      R"({"instances": [{"x": 18446744073709551615, "n": 9007199254740993}]})",
      R"({"instances": [{"x": 1.7976931348623157e308, "n": 1e18, "city": "\ud83d\ude00"}]})",
      R"({"instances": [{"x": null, "n": null, "city": null}]})",
      R"({"instances": [{"x": 0.1, "n": 1, "city": "Oslo"}, {"x": 0.30000000000000004}]})",
  };
  for (const auto& body : accepted) {
    auto fast = ReadRowInstances(body, graph.inputs());
    ASSERT_TRUE(fast.has_value()) << body;
    auto general = GeneralPath(body, graph);
    ASSERT_TRUE(general.ok()) << body << ": " << general.status().ToString();
    ExpectSameBatch(*fast, *general, body);
  }

  // Declined: the general path answers these (most with an error, some by converting values).
  const std::vector<std::string> declined = {
      "",
      "{",
      "[]",
      R"({"instances": [{"x": 1}]} x)",
      R"({"instances": {"x": 1}})",
      R"({"instances": [{"x": 1}], "signature_name": "serving_default"})",
      R"({"inputs": {"x": [1]}})",
      R"({"instances": [{"x": 1}], "instances": [{"x": 2}]})",
      R"({"instances": [{"x": 1, "x": 2}]})",
      R"({"instances": [{"y": 1}]})",
      R"({"instances": [1.5]})",
      R"({"instances": [{"x": [1.5]}]})",
      R"({"instances": [{"city": {"b64": "T3Nsbw=="}}]})",
      R"({"instances": [{"x": "1.5"}]})",
      R"({"instances": [{"n": 2.5}]})",
      R"({"instances": [{"n": 1e19}]})",
      R"({"instances": [{"n": 9223372036854775808}]})",
      R"({"instances": [{"n": true}]})",
      R"({"instances": [{"city": 7}]})",
      R"({"instances": [{"city": false}]})",
      R"({"instances": [{"x": 1e400}]})",
      "{\"instances\": [{\"city\": \"\xff\"}]}",
  };
  for (const auto& body : declined)
    EXPECT_FALSE(ReadRowInstances(body, graph.inputs()).has_value()) << body;
}

TEST(RowInstancesTest, ReadsBooleansAndInputsWithoutTrainingValues) {
  data::Schema inputs{{{"flag", data::ColumnType::kBool}, {"empty", data::ColumnType::kNull}}};
  auto batch = ReadRowInstances(
      R"({"instances": [{"flag": true, "empty": 3}, {"flag": false, "empty": "a"}, {}]})", inputs);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->rows(), 3u);
  EXPECT_TRUE(batch->columns[0].bool_at(0));
  EXPECT_FALSE(batch->columns[0].bool_at(1));
  EXPECT_TRUE(batch->columns[0].is_null(2));
  EXPECT_EQ(batch->columns[1].null_count(), 3u);
  EXPECT_FALSE(ReadRowInstances(R"({"instances": [{"flag": 1}]})", inputs).has_value());
  EXPECT_FALSE(ReadRowInstances(R"({"instances": [{"empty": [1]}]})", inputs).has_value());
}

}  // namespace
}  // namespace lathe::serve
