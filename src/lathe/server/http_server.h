// The HTTP/1.1 face of `lathe serve`: Boost.Beast over Boost.Asio, a fixed pool of I/O threads
// (from the thread budget, core/threads.h) that also run the handler, keep-alive, and the limits a
// server facing untrusted clients needs: body and header sizes, a read timeout per request (slow
// clients cannot hold a connection), a bound on open connections, and TLS through OpenSSL.
//
// Start binds and starts serving; Shutdown stops accepting, lets requests in flight finish and
// closes idle connections, then Wait returns. The handler is called from the I/O threads, any
// number at once, and must be thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "lathe/core/status.h"
#include "lathe/serve/rest_api.h"

namespace lathe::server {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  int port = 8501;  // 0: any free port (see HttpServer::port)
  int threads = 0;  // I/O threads; 0: the thread budget
  size_t max_body_bytes = 4u << 20;
  size_t max_header_bytes = 16u << 10;
  std::chrono::milliseconds read_timeout{30000};  // per request, headers and body, and idle
  int max_connections = 1024;
  // TLS (HTTPS) when both are set: PEM files, the certificate chain and its private key.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  using Handler = std::function<serve::HttpResponse(const serve::HttpRequest&)>;

  // Binds and starts the I/O threads. INVALID_ARGUMENT for a bad address or a TLS certificate or
  // key OpenSSL cannot use (naming the file), UNAVAILABLE when the port cannot be bound (the
  // message says why: in use, permission).
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   Handler handler);
  ~HttpServer();  // Shutdown() and Wait()

  int port() const;  // the bound port

  // Stops accepting and finishes in-flight requests; connections still busy after `grace` are
  // cut. Returns at once; Wait() blocks until the threads are done. Safe from any thread, once
  // or more.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));
  void Wait();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lathe::server
