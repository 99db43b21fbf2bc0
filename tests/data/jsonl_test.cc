#include "lathe/data/jsonl.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>

namespace lathe::data {
namespace {

struct Rows {
  Schema schema;
  std::vector<std::vector<std::string>> rows;
  CsvReport report;
};

// With `restartable`, the reader may start over (the rows read so far are forgotten).
Result<Rows> ReadLines(const std::string& text, JsonLinesOptions o = {}, bool restartable = false) {
  Rows out;
  if (restartable) o.on_restart = [&] { out.rows.clear(); };
  auto r = ReadJsonLinesText(text, "t.jsonl", o, [&](Batch&& b) {
    for (size_t i = 0; i < b.rows(); ++i) {
      std::vector<std::string> row;
      for (const auto& c : b.columns) row.push_back(c.is_null(i) ? "<null>" : c.ToText(i));
      out.rows.push_back(row);
    }
    return Status::Ok();
  });
  if (!r.ok()) return r.status();
  out.report = *r;
  out.schema = r->schema;
  return out;
}

TEST(JsonLinesTest, KeysTypesAndMissing) {
  auto r = ReadLines(
      "{\"a\": 1, \"b\": \"x\", \"c\": true}\n\n{\"a\": 2.5, \"c\": false, \"d\": [1, 2]}\n{\"a\": "
      "null}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->schema.fields.size(), 4u);
  EXPECT_EQ(r->schema.fields[0].type, ColumnType::kDouble);  // 1 and 2.5
  EXPECT_EQ(r->schema.fields[1].type, ColumnType::kString);
  EXPECT_EQ(r->schema.fields[2].type, ColumnType::kBool);
  EXPECT_EQ(r->schema.fields[3].type, ColumnType::kString);  // nested JSON kept as text
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0], (std::vector<std::string>{"1", "x", "true", "<null>"}));
  EXPECT_EQ(r->rows[1], (std::vector<std::string>{"2.5", "<null>", "false", "[1,2]"}));
  EXPECT_EQ(r->rows[2], (std::vector<std::string>{"<null>", "<null>", "<null>", "<null>"}));
  // Integers beyond int64 are text: distinct IDs never merge or wrap around.
  auto ids =
      ReadLines("{\"id\": 1}\n{\"id\": 18446744073709551615}\n{\"id\": 18446744073709551614}\n");
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(ids->schema.fields[0].type, ColumnType::kString);
  EXPECT_EQ(ids->rows[1][0], "18446744073709551615");
  EXPECT_EQ(ids->rows[2][0], "18446744073709551614");
}

TEST(JsonLinesTest, ErrorsNameTheLine) {
  EXPECT_EQ(ReadLines("{\"a\": 1}\n{\"a\": }\n").status().message(), "t.jsonl:2:7: malformed JSON");
  EXPECT_EQ(ReadLines("{\"a\": 1}\n[1]\n").status().message(),
            "t.jsonl:2:1: expected a JSON object");
  JsonLinesOptions small;
  small.infer_rows = 1;
  EXPECT_EQ(ReadLines("{\"a\": 1}\n{\"a\": \"x\"}\n", small).status().message(),
            "t.jsonl:2: key 'a' was read as int64 from the first 1 lines, but \"x\" here needs "
            "string; give the key a type (e.g. `types: {a: string}`)");
  EXPECT_EQ(ReadLines("{\"a\": 1}\n{\"b\": 2}\n", small).status().message(),
            "t.jsonl:2: key 'b' was not in the first 1 lines; give it a type (e.g. `types: {b: "
            "int64}`)");
  JsonLinesOptions given = small;
  given.types = {{"a", ColumnType::kInt64}};
  EXPECT_EQ(ReadLines("{\"a\": 1}\n{\"a\": \"x\"}\n", given).status().message(),
            "t.jsonl:2: key 'a': \"x\" is not an int64 (its type is given)");
  EXPECT_EQ(ReadLines("").status().message(),
            "t.jsonl: empty file: expected JSON objects, one per line");
  // A number beyond a double is an error of its line, not an exception (found by the fuzzer).
  EXPECT_EQ(ReadLines("{\"a\": 1}\n{\"a\": 1844674e940737}\n").status().message(),
            "t.jsonl:2: number overflow parsing '1844674e940737'");
  // Deep nesting is refused before parsing (70,000 levels would exhaust the stack).
  const std::string deep = "{\"a\": " + std::string(70000, '[') + std::string(70000, ']') + "}";
  EXPECT_EQ(ReadLines("{\"a\": 1}\n" + deep + "\n").status().message(),
            "t.jsonl:2:106: values nested deeper than 100 levels");
  const std::string fine = "{\"a\": \"[[[\\\"\", \"b\": " + std::string(99, '[') +
                           std::string(99, ']') + "}";  // brackets in strings do not count
  auto ok = ReadLines(fine + "\n");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  JsonLinesOptions skip;
  skip.bad_rows = CsvOptions::BadRows::kSkip;
  auto r = ReadLines("{\"a\": 1}\nnot json\n{\"a\": 3}\n", skip);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->report.bad_rows, 1);
}

TEST(JsonLinesTest, ManyThreadsSmallBlocksKeepOrderAndLineNumbers) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += fmt::format("{{\"i\": {}, \"s\": \"v{}\"}}\n", i, i % 7);
  JsonLinesOptions o;
  o.threads = 4;
  o.block_bytes = 256;  // many chunks
  std::atomic<int64_t> seen_in_workers{0};
  std::vector<int64_t> order;
  auto r = ReadJsonLinesText(
      text, "t.jsonl", o,
      [&](Batch&& b) {
        for (size_t i = 0; i < b.rows(); ++i) order.push_back(b.columns[0].int_at(i));
        return Status::Ok();
      },
      [&](int worker, int64_t, const Batch& b) {
        EXPECT_LT(worker, 4);
        seen_in_workers += static_cast<int64_t>(b.rows());
        return Status::Ok();
      });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(order.size(), 5000u);
  for (int64_t i = 0; i < 5000; ++i) ASSERT_EQ(order[i], i);
  EXPECT_EQ(seen_in_workers.load(), 5000);
  EXPECT_EQ(r->bytes, static_cast<int64_t>(text.size()));
  // An error deep in the file names its line, whichever thread parsed it.
  std::string bad = text + "{\"i\": \"x\"}\n";
  o.infer_rows = 100;
  auto e = ReadJsonLinesText(bad, "t.jsonl", o, [](Batch&&) { return Status::Ok(); });
  EXPECT_EQ(e.status().message(),
            "t.jsonl:5001: key 'i' was read as int64 from the first 100 lines, but \"x\" here "
            "needs string; give the key a type (e.g. `types: {i: string}`)");
}

// Types come from the first lines, but a later value or key they do not hold widens the columns
// and the read starts over: nothing is lost or silently merged.
TEST(JsonLinesTest, LaterValuesWidenTheTypes) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += fmt::format("{{\"n\": {}, \"empty\": null}}\n", i);
  text += "{\"n\": 2.5, \"empty\": 7, \"late\": \"x\"}\n";
  text += "{\"n\": 12345678901234567890123, \"late\": null}\n";
  JsonLinesOptions o;
  o.infer_rows = 100;
  o.block_bytes = 512;
  o.threads = 3;
  auto r = ReadLines(text, o, /*restartable=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->schema.fields.size(), 3u);
  EXPECT_EQ(r->schema.fields[0].name, "empty");
  EXPECT_EQ(r->schema.fields[0].type, ColumnType::kInt64);  // no value in the first lines
  EXPECT_EQ(r->schema.fields[1].name, "n");
  EXPECT_EQ(r->schema.fields[1].type, ColumnType::kDouble);
  EXPECT_EQ(r->schema.fields[2].name, "late");
  EXPECT_EQ(r->schema.fields[2].type, ColumnType::kString);
  ASSERT_EQ(r->rows.size(), 302u);  // once each: the rows of the first pass were forgotten
  EXPECT_EQ(r->rows[0], (std::vector<std::string>{"<null>", "0", "<null>"}));
  EXPECT_EQ(r->rows[300], (std::vector<std::string>{"7", "2.5", "x"}));
  EXPECT_EQ(r->rows[301][2], "<null>");
}

}  // namespace
}  // namespace lathe::data
