#include "lathe/core/retry.h"

#include <gtest/gtest.h>

namespace lathe {
namespace {

TEST(RetryOnConflictTest, TriesAgainUntilTheAttemptDoesNotConflict) {
  int calls = 0;
  Status st = RetryOnConflict(
      [&] { return ++calls < 4 ? AbortedError("lost the race") : Status::Ok(); }, "thing");
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(calls, 4);
}

TEST(RetryOnConflictTest, OtherErrorsEndTheRetriesAtOnce) {
  int calls = 0;
  Status st = RetryOnConflict(
      [&] {
        ++calls;
        return NotFoundError("gone");
      },
      "thing");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
}

TEST(RetryOnConflictTest, GivesUpAfterTheBudgetNamingWhatAndWhy) {
  int calls = 0;
  Status st = RetryOnConflict(
      [&] {
        ++calls;
        return AbortedError("revision 3 changed");
      },
      "deployment 'shop'", std::chrono::milliseconds(50));
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_GT(calls, 1);
  EXPECT_NE(st.message().find("deployment 'shop': gave up after"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("revision 3 changed"), std::string::npos);
}

}  // namespace
}  // namespace lathe
