#include "lathe/server/http_client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace lathe::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<HttpAnswer> HttpCall(std::string_view method, const std::string& url,
                            const std::string& body, std::chrono::milliseconds timeout,
                            const std::string& authorization, size_t max_bytes) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0)
    return InvalidArgumentError(fmt::format("'{}' is not an http:// URL", url.substr(0, 80)));
  std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string host = authority, port = "80";
  if (auto colon = authority.rfind(':'); colon != std::string::npos && authority.back() != ']') {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return InvalidArgumentError(fmt::format("'{}' names no host", url));
  const http::verb verb = http::string_to_verb({method.data(), method.size()});
  if (verb == http::verb::unknown)
    return InvalidArgumentError(fmt::format("'{}' is not an HTTP method", method));
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    net::ip::tcp::resolver resolver(io);
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, authority);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    req.body() = body;
    req.prepare_payload();
    stream.expires_after(timeout);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_bytes);
    http::read(stream, buffer, parser);
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    auto& res = parser.get();
    return HttpAnswer{static_cast<int>(res.result_int()), std::move(res.body()),
                      std::string(res[http::field::content_type])};
  } catch (const std::exception& e) {
    return UnavailableError(fmt::format("cannot reach {}: {}", url, e.what()));
  }
}

}  // namespace lathe::server
