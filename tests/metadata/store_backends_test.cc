// Every StoreTest runs once per backend listed here.
#include "metadata/store_fixture.h"

namespace lathe::metadata {

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace lathe::metadata
