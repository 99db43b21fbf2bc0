// Bearer-token checks shared by every face of the server (REST, gRPC). Tokens are secrets: never
// logged, and compared in time that does not depend on how much of them matched.
#pragma once

#include <string>
#include <string_view>

namespace lathe::serve {

// True when `authorization` (an HTTP Authorization header or gRPC "authorization" metadata) is
// "Bearer <token>" with exactly `token`. Always false for an empty `token`.
bool BearerTokenMatches(std::string_view authorization, std::string_view token);

// What to tell a client whose `authorization` did not match: that one is needed, or that the
// given one is not valid.
std::string_view BearerTokenProblem(std::string_view authorization);

}  // namespace lathe::serve
