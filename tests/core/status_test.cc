#include "lathe/core/status.h"

#include <gtest/gtest.h>

namespace lathe {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  LATHE_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Status Check(int x) {
  LATHE_RETURN_IF_ERROR(Quarter(x));
  return Status::Ok();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFoundError("artifact 7 does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NOT_FOUND: artifact 7 does not exist");
  EXPECT_EQ(s.WithContext("loading").message(), "loading: artifact 7 does not exist");
}

TEST(StatusTest, MacrosPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Check(4).ok());
  EXPECT_FALSE(Check(2).ok());
}

}  // namespace
}  // namespace lathe
