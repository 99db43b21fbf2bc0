// A small HTTP/1.1 client for the UI's API: it reads a `lathe serve`'s /metrics for the serving
// monitor and forwards feedback to it. One connection per call, with a deadline.
//
// Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe::server {

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string content_type;
};

// `method` to an http://HOST[:PORT][/PATH] URL with `body` (sent as application/json when not
// empty) and, when not empty, an Authorization header. INVALID_ARGUMENT for a URL that is not
// http://; UNAVAILABLE when the server cannot be reached, answers after `timeout`, or its body is
// over `max_bytes`. Any HTTP status is an answer.
Result<HttpAnswer> HttpCall(std::string_view method, const std::string& url,
                            const std::string& body, std::chrono::milliseconds timeout,
                            const std::string& authorization = "", size_t max_bytes = 64 << 20);

}  // namespace lathe::server
