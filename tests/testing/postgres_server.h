// A PostgreSQL server for tests. Under ctest one server serves the whole run (the fixture
// "postgres" starts it with scripts/postgres-server.sh in BUILD/test-postgres); a test binary run
// by hand while no such server is up starts its own on first use and stops it at exit.
// Thread-safety: call from the test's main thread.
#pragma once

#include <string>

namespace lathe::testing {

// "postgresql://postgres@127.0.0.1:PORT/" (no database). Aborts the test binary if no server can
// be started: a test that needs PostgreSQL must fail, not skip, without it.
std::string TestPostgresServerUri();

// The URI of a database no other test uses; the store creates it on first open.
std::string NewTestPostgresDatabaseUri();

// Drops a database made by NewTestPostgresDatabaseUri (closing what is still connected).
void DropTestPostgresDatabase(const std::string& uri);

}  // namespace lathe::testing
