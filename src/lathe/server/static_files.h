// The files of a built web app (index.html and its hashed assets), read into memory once and
// served by path: a content type by extension, long caching for hashed assets under /assets/ and
// none for the rest, and index.html for any other path without an extension, so that the app's
// own routes survive a reload. Nothing outside the folder is ever served.
//
// Immutable after Load; thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "lathe/core/status.h"
#include "lathe/serve/rest_api.h"

namespace lathe::server {

class StaticFiles {
 public:
  // Reads every regular file under `root` (at most 64 MiB in all). NOT_FOUND when `root` has no
  // index.html (the message says how to build the app); INVALID_ARGUMENT when it is too large.
  static Result<StaticFiles> Load(const std::filesystem::path& root);

  // The file for a GET of `path` (decoded, without the query), or nullopt when there is none
  // (a path with an extension that is not a file).
  std::optional<serve::HttpResponse> Serve(std::string_view path) const;

  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  std::map<std::string, File, std::less<>> files_;  // by "/relative/path"
};

// "text/html; charset=utf-8" for ".html", ...; "application/octet-stream" when unknown.
std::string ContentTypeOf(std::string_view path);

}  // namespace lathe::server
