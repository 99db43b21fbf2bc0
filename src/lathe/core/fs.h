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

// True if `path` exists (links followed). False on any error (a link loop, no permission):
// never throws, unlike std::filesystem::exists.
bool PathExists(const std::filesystem::path& path);

// Removes a file or directory tree. A path that is already gone is success.
Status RemovePath(const std::filesystem::path& path);

// The whole of a small regular file (a spec, a schema, a JSON document), read through one
// descriptor. `what` names it in messages ("pipeline spec"). NOT_FOUND when it does not exist,
// PERMISSION_DENIED when it may not be read, INVALID_ARGUMENT naming it when it is a directory,
// not a regular file (a FIFO, /dev/zero) or larger than `max_bytes`; DATA_LOSS on a read error.
// Never blocks on a FIFO and never reads more than `max_bytes` + 1 bytes.
Result<std::string> ReadTextFile(const std::filesystem::path& file, std::string_view what,
                                 size_t max_bytes);

// A JSON file (at most 1 GiB, nested at most kMaxJsonDepth deep): the errors of ReadTextFile,
// INVALID_ARGUMENT naming the file and the line when it is not JSON.
Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& file);
// Writes `text` to `file` (replacing it); DATA_LOSS naming the file and the reason (a full disk:
// "No space left on device") when any part of the write fails.
Status WriteTextFile(const std::filesystem::path& file, std::string_view text);
// Writes `j` indented, as WriteTextFile.
Status WriteJsonFile(const std::filesystem::path& file, const nlohmann::json& j);

}  // namespace lathe
