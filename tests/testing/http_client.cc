#include "testing/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace lathe::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct HttpClient::Impl {
  std::string host;
  int port;
  net::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, int port)
    : impl_(new Impl{std::move(host), port, {}, {}, {}}) {}

HttpClient::~HttpClient() {
  if (impl_->stream) {
    beast::error_code ec;
    impl_->stream->socket().shutdown(tcp::socket::shutdown_both, ec);
  }
  delete impl_;
}

HttpReply HttpClient::Request(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& authorization) {
  HttpReply reply;
  try {
    if (!impl_->stream) {
      tcp::resolver resolver(impl_->io);
      impl_->stream.emplace(impl_->io);
      impl_->stream->connect(resolver.resolve(impl_->host, std::to_string(impl_->port)));
      impl_->buffer.clear();
    }
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, impl_->host);
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(*impl_->stream, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 30);
    http::read(*impl_->stream, impl_->buffer, parser);
    auto& res = parser.get();
    reply.status = res.result_int();
    reply.body = res.body();
    reply.content_type = std::string(res[http::field::content_type]);
    reply.request_id = std::string(res["X-Request-Id"]);
    reply.keep_alive = res.keep_alive();
    if (!reply.keep_alive) impl_->stream.reset();
  } catch (const std::exception& e) {
    impl_->stream.reset();
    reply.status = 0;
    reply.body = e.what();
  }
  return reply;
}

}  // namespace lathe::testing
