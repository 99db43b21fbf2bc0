// A blocking HTTP/1.1 client for tests (Boost.Beast): one keep-alive connection, one request at
// a time. Errors are returned as status 0 with the reason in the body.
#pragma once

#include <string>

namespace lathe::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string request_id;
  bool keep_alive = false;
};

class HttpClient {
 public:
  HttpClient(std::string host, int port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpReply Request(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& authorization = "");
  HttpReply Get(const std::string& target) { return Request("GET", target); }
  HttpReply Post(const std::string& target, const std::string& body) {
    return Request("POST", target, body);
  }

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace lathe::testing
