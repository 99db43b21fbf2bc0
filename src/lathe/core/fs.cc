#include "lathe/core/fs.h"

#include <fmt/format.h>

#include <fstream>

#include "lathe/core/strings.h"

namespace lathe {

namespace fs = std::filesystem;

fs::path LocalPathFromUri(std::string_view uri) {
  if (StartsWith(uri, "file://")) return fs::path(std::string(uri.substr(7)));
  if (uri.find("://") != std::string_view::npos) return {};
  return fs::path(std::string(uri));
}

bool IsWithin(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(fs::absolute(root, ec), ec).lexically_normal();
  fs::path parent = fs::weakly_canonical(fs::absolute(path, ec).parent_path(), ec);
  fs::path p = (parent / fs::absolute(path, ec).filename()).lexically_normal();
  auto rel = p.lexically_relative(r);
  if (rel.empty() || rel == ".") return false;
  auto first = *rel.begin();
  return first != ".." && !rel.is_absolute();
}

Status RemovePath(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return DataLossError(fmt::format("cannot remove {}: {}", path.string(), ec.message()));
  return Status::Ok();
}

Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return NotFoundError(fmt::format("cannot read {}", file.string()));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded())
    return InvalidArgumentError(fmt::format("{}: not valid JSON", file.string()));
  return j;
}

Status WriteJsonFile(const std::filesystem::path& file, const nlohmann::json& j) {
  std::ofstream out(file);
  out << j.dump(2) << "\n";
  out.close();
  if (!out) return InternalError(fmt::format("cannot write {}", file.string()));
  return Status::Ok();
}

}  // namespace lathe
