// CSV reading: RFC 4180 edge cases, type inference, errors with locations, bad-row policies and
// streaming over many small blocks with several threads.
#include "lathe/data/csv.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>

#include "lathe/data/detail/separators.h"
#include "lathe/data/jsonl.h"

namespace lathe::data {
namespace {

struct Table {
  Schema schema;
  std::vector<std::vector<std::string>> rows;  // cell text, "<null>" for missing
  CsvReport report;
  int restarts = 0;
};

// With `restartable`, the reader may start over (the rows read so far are forgotten).
Result<Table> Read(const std::string& text, CsvOptions o = {}, bool restartable = false) {
  Table t;
  if (restartable)
    o.on_restart = [&] {
      ++t.restarts;
      t.rows.clear();
    };
  auto report = ReadCsvText(text, "t.csv", o, [&](Batch&& b) {
    for (size_t r = 0; r < b.rows(); ++r) {
      std::vector<std::string> row;
      for (const auto& c : b.columns) row.push_back(c.is_null(r) ? "<null>" : c.ToText(r));
      t.rows.push_back(std::move(row));
    }
    return Status::Ok();
  });
  if (!report.ok()) return report.status();
  t.report = *report;
  t.schema = report->schema;
  return t;
}

std::string Types(const Schema& s) {
  std::string out;
  for (const auto& f : s.fields)
    out += (out.empty() ? "" : " ") + f.name + ":" + std::string(ColumnTypeName(f.type));
  return out;
}

std::string ErrorOf(const std::string& text, CsvOptions o = {}) {
  auto t = Read(text, o);
  return t.ok() ? "(no error)" : t.status().message();
}

TEST(CsvTest, InfersTypesAndMissingValues) {
  auto t = Read("id,score,ok,name,empty\n1,2.5,true,ann,\n2,NA,FALSE,,\n-3,1e3,true,\"bob\",NA\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(Types(t->schema), "id:int64 score:double ok:bool name:string empty:null");
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0], (std::vector<std::string>{"1", "2.5", "true", "ann", "<null>"}));
  EXPECT_EQ(t->rows[1], (std::vector<std::string>{"2", "<null>", "false", "<null>", "<null>"}));
  EXPECT_EQ(t->rows[2], (std::vector<std::string>{"-3", "1000", "true", "bob", "<null>"}));
}

TEST(CsvTest, QuotesEscapesEmbeddedNewlinesAndCrlf) {
  auto t = Read("a,b\r\n\"x,y\",\"he said \"\"hi\"\"\"\r\n\"line1\nline2\",plain\r\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0], (std::vector<std::string>{"x,y", "he said \"hi\""}));
  EXPECT_EQ(t->rows[1], (std::vector<std::string>{"line1\nline2", "plain"}));
  // A quoted "NA" is text, not missing.
  auto q = Read("a\n\"NA\"\nNA\n");
  EXPECT_EQ(q->rows[0][0], "NA");
  EXPECT_EQ(q->rows[1][0], "<null>");
}

TEST(CsvTest, DelimiterBomAndBlankLines) {
  CsvOptions o;
  o.delimiter = ';';
  auto t = Read("\xEF\xBB\xBFx;y\n1;2\n\n3;4\n", o);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->schema.fields[0].name, "x");
  EXPECT_EQ(t->rows.size(), 2u);
}

TEST(CsvTest, EmptyFileAndHeaderOnly) {
  EXPECT_EQ(ErrorOf(""), "t.csv: empty file: expected a header row");
  EXPECT_EQ(ErrorOf("\n\n"), "t.csv: empty file: expected a header row");
  auto t = Read("a,b\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Types(t->schema), "a:null b:null");
  EXPECT_TRUE(t->rows.empty());
  auto no_newline = Read("a,b\n1,2");
  EXPECT_EQ(no_newline->rows.size(), 1u);
}

// Input without line ends (/dev/zero, a binary file, an unterminated quote) fails at the record
// limit, naming the line, instead of reading until memory runs out.
TEST(CsvTest, RecordsLongerThanTheLimitFail) {
  CsvOptions o;
  o.block_bytes = 64;
  o.max_record_bytes = 1000;
  EXPECT_EQ(Read(std::string(5000, 'a'), o).status().message(),
            "t.csv:1: a header longer than 1000 bytes (no line end: is this a text file?)");
  EXPECT_EQ(Read("a,b\n1,2\n3,\"" + std::string(5000, 'x'), o).status().message(),
            "t.csv:3: a record longer than 1000 bytes (no line end: is this a text file?)");
  auto fits = Read("a,b\n1," + std::string(900, 'x') + "\n", o, /*restartable=*/true);
  EXPECT_TRUE(fits.ok()) << fits.status().message();
  JsonLinesOptions j;
  j.block_bytes = 64;
  j.max_record_bytes = 1000;
  auto jl = ReadJsonLinesText("{\"a\": 1}\n{\"a\": \"" + std::string(5000, 'x'), "t.jsonl", j,
                              [](Batch&&) { return Status::Ok(); });
  EXPECT_EQ(jl.status().message(),
            "t.jsonl:2: a line longer than 1000 bytes (no line end: is this a text file?)");
}

TEST(CsvTest, ErrorsNameLineAndColumn) {
  EXPECT_EQ(ErrorOf("a,b,c\n1,2,3\n4,5\n"), "t.csv:3:1: expected 3 fields, found 2");
  EXPECT_EQ(ErrorOf("a,b\n1,\"open\n2,3\n"), "t.csv:2:3: unterminated quoted field");
  EXPECT_EQ(ErrorOf("a,b\n1,\"x\"y\n"), "t.csv:2:6: unexpected 'y' after a closing quote");
  EXPECT_EQ(
      ErrorOf("a,b\n1,x\"y\n"),
      "t.csv:2:4: quote inside an unquoted field (quote the whole field and double the quote)");
  EXPECT_EQ(ErrorOf("a,b\n1,ok\n2,\xC3\x28\n"), "t.csv:3:3: invalid UTF-8");
  // Lines count embedded newlines.
  EXPECT_EQ(ErrorOf("a,b\n\"x\ny\",1\n2\n"), "t.csv:4:1: expected 2 fields, found 1");
  EXPECT_EQ(ErrorOf("a,a\n1,2\n"), "t.csv:1:3: duplicate column name 'a'");
  EXPECT_EQ(ErrorOf("a,,b\n1,2,3\n"), "t.csv:1:3: empty column name in the header");
  CsvOptions small;
  small.infer_rows = 2;
  // Without a way to start over (see WidensOnConflictAndStartsOver), a value that does not fit
  // the inferred type says where, which types, and what to do.
  EXPECT_EQ(ErrorOf("n\n1\n2\nthree\n", small),
            "t.csv:4:1: column 'n' was read as int64 from the first 2 rows, but 'three' here needs "
            "string; give the column a type (e.g. `types: {n: string}`)");
  small.types = {{"n", ColumnType::kInt64}};
  EXPECT_EQ(ErrorOf("n\n1\n2\nthree\n", small),
            "t.csv:4:1: 'three' is not a valid int64 for column 'n' (its type is given)");
}

// Types see the whole input: a column without values in the rows types are inferred from is
// kNull, and a value that does not fit widens the type and starts the read over (the consumer
// forgets what it had). Integers beyond 64 bits make text, never merged doubles.
TEST(CsvTest, WidensOnConflictAndStartsOver) {
  std::string text = "late,n,id\n";
  for (int i = 0; i < 10000; ++i) text += fmt::format(",{},{}\n", i, i);
  text += "2.5,1.5,99999999999999999999\n3.5,7,5\n";
  CsvOptions o;
  o.block_bytes = 4096;  // many chunks, several threads: the conflict comes late
  o.threads = 2;
  auto read = Read(text, o, true);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const Table& t = *read;
  EXPECT_EQ(Types(t.schema), "late:double n:double id:string");
  EXPECT_GE(t.restarts, 1);
  ASSERT_EQ(t.rows.size(), 10002u);  // every row once
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"<null>", "0", "0"}));
  EXPECT_EQ(t.rows[10000], (std::vector<std::string>{"2.5", "1.5", "99999999999999999999"}));
  EXPECT_EQ(t.rows[10001], (std::vector<std::string>{"3.5", "7", "5"}));
  // An all-empty column stays without a type; declared types still win.
  auto empty = Read("a,b\n1,\n2,\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(Types(empty->schema), "a:int64 b:null");
  CsvOptions typed;
  typed.types = {{"b", ColumnType::kDouble}};
  EXPECT_EQ(Types(Read("a,b\n1,\n2,\n", typed)->schema), "a:int64 b:double");
  EXPECT_EQ(Types(Read("id\n12345678901234567890\n1\n")->schema), "id:string");
  CsvOptions fitted;  // a fitted transform's input types, for columns without values
  fitted.types_if_empty = {
      {"a", ColumnType::kDouble}, {"b", ColumnType::kDouble}, {"absent", ColumnType::kInt64}};
  EXPECT_EQ(Types(Read("a,b\n1,\n2,\n", fitted)->schema), "a:int64 b:double");
}

// Rows of data typed apart (an all-empty column in one part) join; real conflicts name the column
// and both types.
TEST(CsvTest, AllMissingColumnsTakeTheOtherPartsType) {
  auto a = Read("x,y\n1,\n2,\n"), b = Read("x,y\n3,0.5\n4,\n");
  ASSERT_TRUE(a.ok() && b.ok());
  Batch into, from;
  ASSERT_TRUE(ReadCsvText("x,y\n1,\n2,\n", "a.csv", {}, [&](Batch&& x) {
                return AppendRows(into, x);
              }).ok());
  ASSERT_TRUE(ReadCsvText("x,y\n3,0.5\n4,\n", "b.csv", {}, [&](Batch&& x) {
                from = std::move(x);
                return Status::Ok();
              }).ok());
  ASSERT_TRUE(AppendRows(into, from).ok());
  EXPECT_EQ(Types(into.schema), "x:int64 y:double");
  EXPECT_EQ(into.columns[1].null_count(), 3u);
  EXPECT_EQ(into.columns[1].double_at(2), 0.5);
  Batch text;
  ASSERT_TRUE(ReadCsvText("x,y\n1,a\n", "c.csv", {}, [&](Batch&& x) {
                text = std::move(x);
                return Status::Ok();
              }).ok());
  EXPECT_EQ(AppendRows(into, text).message(),
            "column 'y' is double in one part of the data and string in another");
}

TEST(CsvTest, TypeOverrides) {
  CsvOptions o;
  o.types = {{"zip", ColumnType::kString}, {"n", ColumnType::kDouble}};
  auto t = Read("zip,n\n00123,1\n", o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Types(t->schema), "zip:string n:double");
  EXPECT_EQ(t->rows[0][0], "00123");
  o.types = {{"nope", ColumnType::kString}};
  EXPECT_EQ(ErrorOf("zip\n1\n", o), "t.csv: no column 'nope' to give a type");
}

TEST(CsvTest, SkipBadRowsWithALimit) {
  CsvOptions o;
  o.bad_rows = CsvOptions::BadRows::kSkip;
  auto t = Read("a,b\n1,2\n3\n4,5\n6,7,8\n", o);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->report.bad_rows, 2);
  EXPECT_EQ(t->report.bad_row_errors[0], "t.csv:3:1: expected 2 fields, found 1");
  o.max_bad_rows = 1;
  EXPECT_EQ(ErrorOf("a,b\n1,2\n3\n4,5\n6,7,8\n", o),
            "t.csv: more than 1 bad rows (first: t.csv:3:1: expected 2 fields, found 1)");
}

TEST(CsvTest, ManySmallBlocksAndThreadsGiveTheSameResult) {
  std::string text = "id,label,value\n";
  for (int i = 0; i < 3000; ++i)
    text += std::to_string(i) + (i % 7 == 0 ? ",\"multi\nline, quoted\"," : ",plain,") +
            std::to_string(i * 0.5) + "\n";
  auto one = Read(text);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  for (int threads : {1, 4}) {
    CsvOptions o;
    o.block_bytes = 64;
    o.threads = threads;
    auto many = Read(text, o);
    ASSERT_TRUE(many.ok()) << many.status().ToString();
    EXPECT_EQ(many->rows, one->rows);
    EXPECT_EQ(Types(many->schema), "id:int64 label:string value:double");
  }
  // An error deep in the file is reported at its place, with small blocks too: line 1 + 3000 rows
  // + 429 embedded newlines + 1.
  text += "oops\n";
  CsvOptions o;
  o.block_bytes = 64;
  o.threads = 3;
  EXPECT_EQ(ErrorOf(text, o), "t.csv:3431:1: expected 3 fields, found 1");
}

TEST(CsvTest, WorkerCallbackSeesEveryRowOnce) {
  std::string text = "id\n";
  int64_t expected = 0;
  for (int i = 0; i < 5000; ++i) {
    text += std::to_string(i) + "\n";
    expected += i;
  }
  CsvOptions o;
  o.block_bytes = 100;
  o.threads = 3;
  std::vector<int64_t> sums(static_cast<size_t>(CsvThreads(o)), 0);
  std::mutex mu;
  std::map<int64_t, int64_t> first_by_index;  // batch index -> its first value
  auto r = ReadCsvText(
      text, "t.csv", o, [](Batch&&) { return Status::Ok(); },
      [&](int worker, int64_t index, const Batch& b) {
        for (size_t i = 0; i < b.rows(); ++i)
          sums[static_cast<size_t>(worker)] += b.columns[0].int_at(i);
        std::lock_guard lock(mu);
        EXPECT_TRUE(first_by_index.emplace(index, b.rows() ? b.columns[0].int_at(0) : -1).second);
        return Status::Ok();
      });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(sums[0] + sums[1] + sums[2], expected);
  EXPECT_EQ(r->rows, 5000);
  // Indices run 0, 1, 2, ... in file order.
  ASSERT_GT(first_by_index.size(), 10u);
  EXPECT_EQ(first_by_index.begin()->first, 0);
  EXPECT_EQ(first_by_index.rbegin()->first, static_cast<int64_t>(first_by_index.size()) - 1);
  int64_t previous = -1;
  for (const auto& [index, first] : first_by_index) {
    EXPECT_GT(first, previous) << "batch " << index;
    previous = first;
  }
}

// Blocks without quotes split at separators found 16 bytes at a time; blocks with quotes byte by
// byte. Both give the same rows, line ends (\n, \r\n, a lone \r inside a field), blank lines and
// error locations.
TEST(CsvTest, UnquotedBlocksReadAsQuotedOnes) {
  const std::string body =
      "1,x\ry,2.5\r\n\r\n2,,NA\n\n\n3,z,-1\r\n4,a long field well past sixteen bytes,7\n5,w,8";
  auto unquoted = Read("id,s,d\n" + body);
  auto quoted = Read("id,s,d\n\"1\"" + body.substr(1));  // one quote sends it the other way
  ASSERT_TRUE(unquoted.ok()) << unquoted.status().ToString();
  ASSERT_TRUE(quoted.ok()) << quoted.status().ToString();
  EXPECT_EQ(unquoted->rows, quoted->rows);
  ASSERT_EQ(unquoted->rows.size(), 5u);
  EXPECT_EQ(unquoted->rows[0], (std::vector<std::string>{"1", "x\ry", "2.5"}));
  EXPECT_EQ(unquoted->rows[1], (std::vector<std::string>{"2", "<null>", "<null>"}));
  EXPECT_EQ(unquoted->rows[4], (std::vector<std::string>{"5", "w", "8"}));

  // Random records in many small blocks, several threads: the same rows either way.
  std::mt19937 rng(7);
  std::string text;
  for (int r = 0; r < 3000; ++r) {
    text += std::to_string(r) + ",";
    for (int k = static_cast<int>(rng() % 40); k > 0; --k)
      text += static_cast<char>('a' + rng() % 26);
    text += "," + std::to_string(static_cast<int>(rng() % 1000) - 500);
    text += rng() % 3 == 0 ? "\r\n" : "\n";
    if (rng() % 50 == 0) text += "\n";
  }
  CsvOptions o;
  o.block_bytes = 97;
  o.threads = 3;
  auto a = Read("id,s,n\n" + text, o);                  // small blocks, none quoted
  auto b = Read("id,s,n\n\"0\"" + text.substr(1), {});  // one block, quoted
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->rows.size(), 3000u);
  EXPECT_EQ(a->rows, b->rows);

  // Errors name the same place.
  EXPECT_EQ(ErrorOf("a,b,c\n1,2,3\r\n\n4,5\n"), "t.csv:4:1: expected 3 fields, found 2");
  EXPECT_EQ(ErrorOf("a,b,c\n\"1\",2,3\r\n\n4,5\n"), "t.csv:4:1: expected 3 fields, found 2");
  EXPECT_EQ(ErrorOf("a,b\n1,x\n2,\xff\n"), "t.csv:3:3: invalid UTF-8");
  EXPECT_EQ(ErrorOf("a,b\n\"1\",x\n2,\xff\n"), "t.csv:3:3: invalid UTF-8");
}

// Integers: any digits within 64 bits, nothing else; junk never reaches the arithmetic (a fuzzer
// found 18 bytes of it overflowing there).
TEST(CsvTest, IntegersParseStrictly) {
  EXPECT_EQ(ParseInt64("123"), 123);
  EXPECT_EQ(ParseInt64("-123"), -123);
  EXPECT_EQ(ParseInt64("+7"), 7);
  EXPECT_EQ(ParseInt64("999999999999999999"), 999999999999999999);  // 18 digits, inline
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);          // 19, through from_chars
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
  for (const char* no : {"", "-", "+", "+-5", "1x", "9223372036854775808", "0x1A", " 1",
                         "\xdd\xdd\xdd&\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf\xbf"})
    EXPECT_FALSE(ParseInt64(no).has_value()) << no;
}

TEST(CsvTest, SeparatorsAndLineCounts) {
  std::vector<uint32_t> at;
  const std::string text = "ab,c\r\nd\t,,\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,\n";
  detail::FindSeparators(text, ',', at);
  std::vector<uint32_t> expected;
  for (uint32_t i = 0; i < text.size(); ++i)
    if (text[i] == ',' || text[i] == '\n' || text[i] == '\r') expected.push_back(i);
  EXPECT_EQ(at, expected);
  detail::FindSeparators(text, '\t', at);
  EXPECT_EQ(at.size(), 5u);  // \r \n \t \n \n
  std::string many(100000, 'x');
  for (size_t i = 0; i < many.size(); i += 7) many[i] = '\n';
  EXPECT_EQ(detail::CountByte(many, '\n'), (many.size() + 6) / 7);
  EXPECT_EQ(detail::CountByte("", '\n'), 0u);
  EXPECT_EQ(detail::CountByte("\n\n\n", '\n'), 3u);
}

TEST(CsvTest, ValidUtf8) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // cut short
}

TEST(CsvTest, MissingFile) {
  auto r = ReadCsv("/nonexistent/x.csv", {}, [](Batch&&) { return Status::Ok(); });
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lathe::data
