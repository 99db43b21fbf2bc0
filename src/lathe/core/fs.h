// File-system helpers for artifact files. Thread-safe (stateless).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe {

// Turns a file URI ("file:///a/b") or plain path into a local path; empty for other schemes.
std::filesystem::path LocalPathFromUri(std::string_view uri);

// True if `path` lies strictly below `root`, after normalising both (no symlink resolution of
// the last component, so a link inside the root is never followed out of it).
bool IsWithin(const std::filesystem::path& root, const std::filesystem::path& path);

// Removes a file or directory tree. A path that is already gone is success.
Status RemovePath(const std::filesystem::path& path);

// A JSON file: NOT_FOUND when it cannot be read, INVALID_ARGUMENT naming the file when it is not
// JSON.
Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& file);
// Writes `j` indented; INTERNAL naming the file when the write fails.
Status WriteJsonFile(const std::filesystem::path& file, const nlohmann::json& j);

}  // namespace lathe
