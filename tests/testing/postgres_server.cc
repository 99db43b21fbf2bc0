#include "testing/postgres_server.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "testing/temp_dir.h"

namespace lathe::testing {

namespace {

std::string g_own_server_dir;  // the server this process started, stopped at exit

void StopOwnServer() {
  if (g_own_server_dir.empty()) return;
  RunCommand(
      fmt::format("'{}/scripts/postgres-server.sh' stop '{}'", LATHE_SOURCE_DIR, g_own_server_dir),
      std::filesystem::temp_directory_path());
}

std::string StartOwnServer() {
  g_own_server_dir =
      (std::filesystem::temp_directory_path() / fmt::format("lathe-test-postgres-{}", getpid()))
          .string();
  auto r = RunCommand(
      fmt::format("'{}/scripts/postgres-server.sh' start '{}'", LATHE_SOURCE_DIR, g_own_server_dir),
      std::filesystem::temp_directory_path());
  if (r.exit_code != 0) {
    std::fprintf(stderr, "cannot start a PostgreSQL server for the tests: %s%s\n", r.out.c_str(),
                 r.err.c_str());
    std::abort();
  }
  std::atexit(StopOwnServer);
  std::string uri = r.out;
  while (!uri.empty() && (uri.back() == '\n' || uri.back() == ' ')) uri.pop_back();
  return uri;
}

}  // namespace

std::string TestPostgresServerUri() {
  static const std::string uri = [] {
    // The ctest run's server, if it is up (a killed run can leave its folder behind).
    std::filesystem::path file = std::filesystem::path(LATHE_TEST_POSTGRES_DIR) / "uri";
    if (std::filesystem::exists(file)) {
      std::string text = ReadFile(file);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      if (PQping((text + "postgres").c_str()) == PQPING_OK) return text;
    }
    return StartOwnServer();
  }();
  return uri;
}

std::string NewTestPostgresDatabaseUri() {
  static std::atomic<int> counter{0};
  return fmt::format("{}lathe_test_{}_{}", TestPostgresServerUri(), getpid(), ++counter);
}

void DropTestPostgresDatabase(const std::string& uri) {
  std::string db = uri.substr(uri.rfind('/') + 1);
  PGconn* conn = PQconnectdb((TestPostgresServerUri() + "postgres").c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    PQclear(PQexec(conn, fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", db).c_str()));
  }
  PQfinish(conn);
}

}  // namespace lathe::testing
