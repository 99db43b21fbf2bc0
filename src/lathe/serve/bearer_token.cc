#include "lathe/serve/bearer_token.h"

#include <algorithm>

#include "lathe/core/strings.h"

namespace lathe::serve {

namespace {

// Compares without stopping at the first difference, so timing does not tell how much matched.
bool SameToken(std::string_view given, std::string_view expected) {
  unsigned diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i]) ^
            static_cast<unsigned char>(expected[i % std::max<size_t>(expected.size(), 1)]);
  return diff == 0 && !expected.empty();
}

constexpr std::string_view kBearer = "Bearer ";

}  // namespace

bool BearerTokenMatches(std::string_view authorization, std::string_view token) {
  return StartsWith(authorization, kBearer) &&
         SameToken(authorization.substr(kBearer.size()), token);
}

std::string_view BearerTokenProblem(std::string_view authorization) {
  return authorization.empty() ? "this endpoint needs a bearer token"
                               : "the bearer token is not valid";
}

}  // namespace lathe::serve
