#include "lathe/server/static_files.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace lathe::server {

namespace {

constexpr size_t kMaxTotalBytes = 64u << 20;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string ContentTypeOf(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes)
    if (EndsWith(path, ext)) return std::string(type);
  return "application/octet-stream";
}

Result<StaticFiles> StaticFiles::Load(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(root / "index.html", ec))
    return NotFoundError(fmt::format(
        "no web app in {} (no index.html): build it with scripts/setup.sh, or point --assets at "
        "the folder it built",
        root.string()));
  StaticFiles out;
  size_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in && !in.eof()) return InternalError(fmt::format("cannot read {}", it->path().string()));
    std::string rel = "/" + fs::relative(it->path(), root).generic_string();
    File f{ContentTypeOf(rel), std::move(body).str()};
    total += f.body.size();
    if (total > kMaxTotalBytes)
      return InvalidArgumentError(
          fmt::format("the web app in {} is over {} MiB", root.string(), kMaxTotalBytes >> 20));
    out.files_.emplace(std::move(rel), std::move(f));
  }
  if (ec) return InternalError(fmt::format("cannot list {}: {}", root.string(), ec.message()));
  return out;
}

std::optional<serve::HttpResponse> StaticFiles::Serve(std::string_view path) const {
  if (path.empty() || path == "/") path = "/index.html";
  auto it = files_.find(path);
  if (it == files_.end()) {
    // The app's own routes ("/runs/...") have no extension in their last segment: index.html.
    std::string_view last = path.substr(path.rfind('/') + 1);
    if (last.find('.') != std::string_view::npos) return std::nullopt;
    it = files_.find(std::string_view("/index.html"));
    if (it == files_.end()) return std::nullopt;
  }
  serve::HttpResponse r;
  r.content_type = it->second.content_type;
  r.body = it->second.body;
  // Vite names built assets by content hash, so they never change under one name.
  bool hashed = it->first.rfind("/assets/", 0) == 0;
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace lathe::server
