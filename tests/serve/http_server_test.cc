// The HTTP face with real sockets: keep-alive, limits, request ids, and graceful shutdown.
#include "lathe/server/http_server.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "testing/http_client.h"

namespace lathe::server {
namespace {

using namespace std::chrono_literals;

serve::HttpResponse Echo(const serve::HttpRequest& r) {
  if (r.target == "/slow") std::this_thread::sleep_for(400ms);
  return {200, "application/json",
          nlohmann::json{{"method", r.method},
                         {"target", r.target},
                         {"bytes", r.body.size()},
                         {"id", r.request_id}}
              .dump()};
}

std::unique_ptr<HttpServer> StartEcho(HttpServerOptions o = {}) {
  o.address = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  auto s = HttpServer::Start(o, Echo);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(HttpServerTest, KeepAliveRequestIdsAndLimits) {
  HttpServerOptions o;
  o.max_body_bytes = 1000;
  auto server = StartEcho(o);
  ASSERT_NE(server, nullptr);
  testing::HttpClient client("127.0.0.1", server->port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Post("/v1/x", std::string(10 * i, 'a'));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.keep_alive);
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["bytes"], 10 * i);
    EXPECT_EQ(j["id"], r.request_id);
    EXPECT_FALSE(r.request_id.empty());
  }
  auto big = client.Post("/v1/x", std::string(5000, 'a'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(nlohmann::json::parse(big.body)["error"], "the request body is larger than 1000 bytes");
  EXPECT_EQ(client.Get("/after").status, 200);  // a new connection works
  // A port in use is reported, not thrown.
  HttpServerOptions taken;
  taken.address = "127.0.0.1";
  taken.port = server->port();
  auto second = HttpServer::Start(taken, Echo);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

TEST(HttpServerTest, ConnectionsBeyondTheBoundGetA503) {
  HttpServerOptions o;
  o.max_connections = 2;
  auto server = StartEcho(o);
  ASSERT_NE(server, nullptr);
  testing::HttpClient a("127.0.0.1", server->port()), b("127.0.0.1", server->port()),
      c("127.0.0.1", server->port());
  EXPECT_EQ(a.Get("/a").status, 200);
  EXPECT_EQ(b.Get("/b").status, 200);
  EXPECT_EQ(c.Get("/c").status, 503);
}

TEST(HttpServerTest, ShutdownFinishesRequestsInFlightAndRefusesNewOnes) {
  auto server = StartEcho();
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  testing::HttpClient idle("127.0.0.1", port);
  ASSERT_EQ(idle.Get("/warm").status, 200);
  auto slow = std::async(std::launch::async, [port] {
    testing::HttpClient c("127.0.0.1", port);
    return c.Get("/slow");
  });
  std::this_thread::sleep_for(100ms);  // the slow request is being handled
  server->Shutdown(5s);
  auto r = slow.get();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.keep_alive);  // told to close: the server is stopping
  server->Wait();
  testing::HttpClient late("127.0.0.1", port);
  EXPECT_EQ(late.Get("/late").status, 0);
}

}  // namespace
}  // namespace lathe::server
