#include "lathe/core/fs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "lathe/core/json_depth.h"
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

bool PathExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

Status RemovePath(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return DataLossError(fmt::format("cannot remove {}: {}", path.string(), ec.message()));
  return Status::Ok();
}

Result<std::string> ReadTextFile(const fs::path& file, std::string_view what, size_t max_bytes) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    std::string msg = fmt::format("cannot read {} {}: {}", what, file.string(), std::strerror(err));
    if (err == ENOENT || err == ENOTDIR) return NotFoundError(msg);
    if (err == EACCES || err == EPERM) return Status(StatusCode::kPermissionDenied, msg);
    return InvalidArgumentError(msg);
  }
  struct stat st {};
  std::string problem;
  if (::fstat(fd, &st) != 0)
    problem = std::strerror(errno);
  else if (S_ISDIR(st.st_mode))
    problem = "it is a directory";
  else if (!S_ISREG(st.st_mode))
    problem = "it is not a regular file";
  else if (static_cast<uint64_t>(st.st_size) > max_bytes)
    problem = fmt::format("it is larger than {} bytes", max_bytes);
  std::string text;
  if (problem.empty()) {
    text.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    // The size may change while reading; never past max_bytes + 1 (that much says "too large").
    while (problem.empty()) {
      if (got == text.size()) {
        if (text.size() > max_bytes) {
          problem = fmt::format("it is larger than {} bytes", max_bytes);
          break;
        }
        text.resize(std::min(max_bytes + 1, std::max<size_t>(4096, text.size() * 2)));
      }
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) problem = std::strerror(errno);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    text.resize(got);
  }
  ::close(fd);
  if (!problem.empty())
    return InvalidArgumentError(fmt::format("cannot read {} {}: {}", what, file.string(), problem));
  return text;
}

Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& file) {
  LATHE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(file, "JSON file", size_t{1} << 30));
  auto j = ParseJsonText(text);
  if (!j.ok())
    return InvalidArgumentError(
        fmt::format("{}: not valid JSON: {}", file.string(), j.status().message()));
  return j;
}

Status WriteTextFile(const fs::path& file, std::string_view text) {
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr)
    return DataLossError(fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
  int err = 0;  // the first failure's reason (EIO when the library gives none)
  auto failed = [&err] { err = err != 0 ? err : (errno != 0 ? errno : EIO); };
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) failed();
  if (std::fflush(f) != 0) failed();  // a full disk shows here at the latest
  if (std::fclose(f) != 0) failed();
  if (err != 0)
    return DataLossError(fmt::format("cannot write {}: {}", file.string(), std::strerror(err)));
  return Status::Ok();
}

Status WriteJsonFile(const std::filesystem::path& file, const nlohmann::json& j) {
  return WriteTextFile(file, j.dump(2) + "\n");
}

}  // namespace lathe
