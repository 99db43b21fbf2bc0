// The fixture of the lathe command's end-to-end tests: a temporary working directory and the
// command run in it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "testing/temp_dir.h"

namespace lathe::cli {

class CliTest : public ::testing::Test {
 protected:
  testing::CommandResult Lathe(const std::string& args) {
    return testing::RunCommand(std::string(LATHE_BIN) + " " + args, tmp_.path());
  }

  nlohmann::json Json(const std::string& args) {
    auto r = Lathe("--json " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  // raw.csv -> Ingest -> examples/ -> Train -> model.bin
  void RecordTwoSteps() {
    testing::WriteFile(tmp_ / "raw.csv", "a,b\n1,2\n");
    testing::WriteFile(tmp_ / "examples/train.csv", "1,2\n");
    testing::WriteFile(tmp_ / "model.bin", "weights");
    ASSERT_EQ(
        Lathe(
            "record Ingest --input Raw=raw.csv --output Examples=examples --context Pipeline=demo "
            "--property span=3")
            .exit_code,
        0);
    auto r = Lathe(
        "record Trainer --name train --input Examples=examples --output Model=model.bin "
        "--context Pipeline=demo --property lr=0.1");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "recorded execution 2 (Trainer): inputs 2 outputs 3\n");
  }

  testing::TempDir tmp_;
};

}  // namespace lathe::cli
