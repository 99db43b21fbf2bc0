#include "lathe/server/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lathe/core/threads.h"

namespace lathe::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace detail {

// Request ids: a random per-process prefix and a counter, unless the client sent X-Request-Id.
class RequestIds {
 public:
  RequestIds() : prefix_(fmt::format("{:08x}", std::random_device{}())) {}
  std::string Next() { return fmt::format("{}-{}", prefix_, next_.fetch_add(1) + 1); }

 private:
  std::string prefix_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace detail

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

  class Session;

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
  detail::RequestIds ids_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex sessions_mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

// One connection: read a request, answer it, repeat while keep-alive holds. Its operations run
// one at a time on its io_context's thread.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket&& socket) : server_(server), stream_(std::move(socket)) {}
  ~Session() {
    server_.connections_.fetch_sub(1);
    std::lock_guard lock(server_.sessions_mu_);
    server_.sessions_.erase(this);
  }

  void Start() {
    // Answers are written whole; waiting to coalesce them (Nagle) only adds latency.
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // From Shutdown: close now when waiting for a request that has not begun; a request being
  // read or answered finishes first (the answer then says Connection: close).
  void Stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reading_ && !self->parser_->got_some()) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

  void Reject() {  // too many connections: a 503, then close
    auto res =
        std::make_shared<http::response<http::string_body>>(http::status::service_unavailable, 11);
    res->set(http::field::content_type, "application/json");
    res->set(http::field::connection, "close");
    res->body() = R"({"error": "too many connections; try again later"})";
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(5));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    });
  }

 private:
  void Read() {
    if (server_.stopping_) return Close();
    parser_.emplace();
    parser_->body_limit(server_.options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options_.max_header_bytes));
    stream_.expires_after(server_.options_.read_timeout);
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
    request.request_id =
        !given_id.empty() && given_id.size() <= 128 ? std::string(given_id) : server_.ids_.Next();
    serve::HttpResponse response;
    try {
      response = server_.handler_(request);
    } catch (const std::exception& e) {  // a handler must not take the server down
      spdlog::error("request {}: {} {}: {}", request.request_id, request.method,
                    request.target.substr(0, 200), e.what());
      response = {500, "application/json", R"({"error": "internal error"})"};
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
    serve::HttpResponse r{status, "application/json", nlohmann::json{{"error", message}}.dump()};
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
    res->keep_alive(keep_alive);
    if (!head) res->body() = r.body;
    res->prepare_payload();
    if (head) res->content_length(r.body.size());
    stream_.expires_after(server_.options_.read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  Impl& server_;
  beast::tcp_stream stream_;
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
      auto session = std::make_shared<Session>(*this, std::move(socket));
      if (open > options_.max_connections) {
        spdlog::warn("connection refused: {} connections are open (--max-connections)", open - 1);
        session->Reject();
      } else {
        {
          std::lock_guard lock(sessions_mu_);
          sessions_[session.get()] = session;
        }
        session->Start();
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
  std::vector<std::shared_ptr<Session>> open;
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
