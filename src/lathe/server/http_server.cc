#include "lathe/server/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lathe/core/json_depth.h"
#include "lathe/core/threads.h"
#include "lathe/server/request_ids.h"

namespace lathe::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)) {
    // One io_context per thread, each run by its own thread with the single-thread concurrency
    // hint (no locking inside Asio): a connection lives on one thread for its whole life, and
    // threads never hand work to each other. The acceptor deals connections out in turn.
    const int n = ThreadCount(options_.threads);
    for (int i = 0; i < n; ++i) ios_.push_back(std::make_unique<net::io_context>(1));
    acceptor_.emplace(*ios_[0]);
  }

  class SessionBase;
  template <class Stream>
  class Session;

  // The TLS context when a certificate and key are configured. INVALID_ARGUMENT naming the file
  // OpenSSL could not use.
  Status LoadTls() {
    if (options_.tls_cert_file.empty() && options_.tls_key_file.empty()) return Status::Ok();
    if (options_.tls_cert_file.empty() || options_.tls_key_file.empty())
      return InvalidArgumentError("TLS needs both a certificate file and a key file");
    tls_.emplace(net::ssl::context::tls_server);
    tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                      net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls_->use_certificate_chain_file(options_.tls_cert_file, ec);
    if (ec)
      return InvalidArgumentError(
          fmt::format("TLS certificate {}: {}", options_.tls_cert_file, ec.message()));
    tls_->use_private_key_file(options_.tls_key_file, net::ssl::context::pem, ec);
    if (ec)
      return InvalidArgumentError(
          fmt::format("TLS key {}: {}", options_.tls_key_file, ec.message()));
    return Status::Ok();
  }

  Status Bind() {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(options_.address, ec);
    if (ec)
      return InvalidArgumentError(fmt::format("--address {}: {}", options_.address, ec.message()));
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return UnavailableError(
          fmt::format("cannot listen on {}:{}: {}", options_.address, options_.port, ec.message()));
    port_ = acceptor_->local_endpoint().port();
    return Status::Ok();
  }

  void Run() {
    Accept();
    const int n = static_cast<int>(ios_.size());
    for (int i = 0; i < n; ++i) {
      // Each context has work (a guard) until Shutdown releases it.
      guards_.push_back(std::make_unique<Guard>(ios_[static_cast<size_t>(i)]->get_executor()));
      threads_.emplace_back([this, i] { ios_[static_cast<size_t>(i)]->run(); });
    }
  }

  void Accept();
  void Shutdown(std::chrono::milliseconds grace);
  void Wait() {
    std::lock_guard lock(wait_mu_);
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    if (grace_timer_.joinable()) grace_timer_.join();
  }

  const HttpServerOptions options_;
  Handler handler_;
  using Guard = net::executor_work_guard<net::io_context::executor_type>;
  std::vector<std::unique_ptr<net::io_context>> ios_;
  std::vector<std::unique_ptr<Guard>> guards_;
  std::optional<tcp::acceptor> acceptor_;
  size_t next_io_ = 0;  // the context of the next connection (the acceptor's thread only)
  int port_ = 0;
  std::vector<std::thread> threads_;
  std::mutex wait_mu_;
  std::thread grace_timer_;
  RequestIds ids_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex sessions_mu_;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
  std::optional<net::ssl::context> tls_;
};

class HttpServer::Impl::SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void Stop() = 0;
};

// One connection: (TLS handshake,) read a request, answer it, repeat while keep-alive holds. Its
// operations run one at a time on its io_context's thread. Stream: beast::tcp_stream, or
// beast::ssl_stream over one.
template <class Stream>
class HttpServer::Impl::Session : public SessionBase,
                                  public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  template <class... Args>
  Session(Impl& server, tcp::socket&& socket, Args&... args)
      : server_(server), stream_(std::move(socket), args...) {}
  ~Session() override {
    server_.connections_.fetch_sub(1);
    std::lock_guard lock(server_.sessions_mu_);
    server_.sessions_.erase(this);
  }

  void Start() {
    // Answers are written whole; waiting to coalesce them (Nagle) only adds latency.
    beast::error_code ec;
    Tcp().socket().set_option(tcp::no_delay(true), ec);
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        self->Tcp().expires_after(self->server_.options_.read_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code hec) {
          if (hec) return self->Tcp().close();  // not TLS, or late
          self->Read();
        });
      } else {
        self->Read();
      }
    });
  }

  // From Shutdown: close now when waiting for a request that has not begun; a request being
  // read or answered finishes first (the answer then says Connection: close).
  void Stop() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reading_ && !self->parser_->got_some()) {
        beast::error_code ec;
        self->Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
        self->Tcp().close();
      }
    });
  }

  void Reject() {  // too many connections: a 503, then close (over TLS: just close)
    if constexpr (kTls) {
      Tcp().close();
      return;
    }
    auto res =
        std::make_shared<http::response<http::string_body>>(http::status::service_unavailable, 11);
    res->set(http::field::content_type, "application/json");
    res->set(http::field::connection, "close");
    res->body() = R"({"error": "too many connections; try again later"})";
    res->prepare_payload();
    Tcp().expires_after(std::chrono::seconds(5));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
      beast::error_code ec;
      self->Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    });
  }

 private:
  void Read() {
    if (server_.stopping_) return Close();
    parser_.emplace();
    parser_->body_limit(server_.options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options_.max_header_bytes));
    Tcp().expires_after(server_.options_.read_timeout);
    reading_ = true;
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      if (ec == beast::error::timeout && parser_->got_some())
        return Fail(408, "the request was not received in time");
      return Close();
    }
    if (ec == http::error::body_limit)
      return Fail(413, fmt::format("the request body is larger than {} bytes",
                                   server_.options_.max_body_bytes));
    if (ec == http::error::header_limit)
      return Fail(431, fmt::format("the request headers are larger than {} bytes",
                                   server_.options_.max_header_bytes));
    if (ec) return Fail(400, "malformed HTTP request: " + ec.message());

    auto& req = parser_->get();
    serve::HttpRequest request;
    request.received = std::chrono::steady_clock::now();
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.body = std::move(req.body());
    request.authorization = std::string(req[http::field::authorization]);
    auto given_id = req["X-Request-Id"];
    request.request_id = server_.ids_.OrNext({given_id.data(), given_id.size()});
    request.header = [&req](std::string_view name) -> std::optional<std::string> {
      auto it = req.find(beast::string_view(name.data(), name.size()));
      if (it == req.end()) return std::nullopt;
      return std::string(it->value());
    };
    serve::HttpResponse response;
    try {
      response = server_.handler_(request);
    } catch (const std::exception& e) {  // a handler must not take the server down
      spdlog::error("request {}: {} {}: {}", request.request_id, request.method,
                    request.target.substr(0, 200), e.what());
      response = {500, "application/json", R"({"error": "internal error"})", {}};
    }
    if (response.status >= 400)
      spdlog::info("request {}: {} {} -> {} {}", request.request_id, request.method,
                   request.target.substr(0, 200), response.status, response.body.substr(0, 300));
    else
      spdlog::debug("request {}: {} {} -> {}", request.request_id, request.method,
                    request.target.substr(0, 200), response.status);
    const bool keep_alive = req.keep_alive() && !server_.stopping_;
    Write(response, request.request_id, keep_alive, req.version(), request.method == "HEAD");
  }

  void Fail(int status, const std::string& message) {
    serve::HttpResponse r{
        status, "application/json", JsonText(nlohmann::json{{"error", message}}), {}};
    spdlog::info("connection: {} {}", status, message);
    Write(r, server_.ids_.Next(), false, 11, false);
  }

  void Write(const serve::HttpResponse& r, const std::string& id, bool keep_alive, unsigned version,
             bool head) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "lathe");
    res->set(http::field::content_type, r.content_type);
    res->set("X-Request-Id", id);
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive);
    if (!head) res->body() = r.body;
    res->prepare_payload();
    if (head) res->content_length(r.body.size());
    Tcp().expires_after(server_.options_.read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    if constexpr (kTls) {
      Tcp().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown(
          [self = shared_from_this()](beast::error_code) { self->Tcp().close(); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  Impl& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool reading_ = false;
};

void HttpServer::Impl::Accept() {
  net::io_context& io = *ios_[next_io_++ % ios_.size()];
  acceptor_->async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
    if (stopping_) return;
    if (!ec) {
      const int open = connections_.fetch_add(1) + 1;
      std::shared_ptr<SessionBase> base;
      std::function<void()> start, reject;
      if (tls_) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            *this, std::move(socket), *tls_);
        start = [s] { s->Start(); };
        reject = [s] { s->Reject(); };
        base = std::move(s);
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket));
        start = [s] { s->Start(); };
        reject = [s] { s->Reject(); };
        base = std::move(s);
      }
      if (open > options_.max_connections) {
        spdlog::warn("connection refused: {} connections are open (--max-connections)", open - 1);
        reject();
      } else {
        {
          std::lock_guard lock(sessions_mu_);
          sessions_[base.get()] = base;
        }
        start();
      }
    } else if (ec != net::error::operation_aborted) {
      spdlog::warn("accept: {}", ec.message());
    }
    Accept();
  });
}

void HttpServer::Impl::Shutdown(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) return;
  // Past the grace period, whatever is still open is cut. Started first, so that Wait finds it.
  grace_timer_ = std::thread([this, grace] {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    auto all_stopped = [this] {
      for (auto& io : ios_)
        if (!io->stopped()) return false;
      return true;
    };
    while (std::chrono::steady_clock::now() < deadline && !all_stopped())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (auto& io : ios_) io->stop();
  });
  net::post(*ios_[0], [this] {
    beast::error_code ec;
    acceptor_->close(ec);
  });
  // Without their guards, contexts stop once their connections are done.
  for (size_t i = 0; i < ios_.size(); ++i) net::post(*ios_[i], [this, i] { guards_[i]->reset(); });
  std::vector<std::shared_ptr<SessionBase>> open;
  {
    std::lock_guard lock(sessions_mu_);
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  for (auto& s : open) s->Stop();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  LATHE_RETURN_IF_ERROR(impl->LoadTls());
  LATHE_RETURN_IF_ERROR(impl->Bind());
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  Shutdown(std::chrono::milliseconds(2000));
  Wait();
}

int HttpServer::port() const {
  return impl_->port_;
}

void HttpServer::Shutdown(std::chrono::milliseconds grace) {
  impl_->Shutdown(grace);
}

void HttpServer::Wait() {
  impl_->Wait();
}

}  // namespace lathe::server
