#include "lathe/core/hash.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace lathe {

namespace fs = std::filesystem;

Hasher::Hasher() : state_(XXH3_createState()) {
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}

Hasher::~Hasher() {
  XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

void Hasher::Update(std::string_view bytes) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), bytes.data(), bytes.size());
}

void Hasher::UpdateField(std::string_view bytes) {
  uint64_t n = bytes.size();
  Update(std::string_view(reinterpret_cast<const char*>(&n), sizeof n));
  Update(bytes);
}

std::string Hasher::Finish() {
  XXH128_hash_t h = XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_));
  return fmt::format("xxh3-128:{:016x}{:016x}", h.high64, h.low64);
}

std::string HashBytes(std::string_view bytes) {
  Hasher h;
  h.Update(bytes);
  return h.Finish();
}

namespace {

// Reads a regular file through one descriptor: O_NOFOLLOW and O_NONBLOCK so that a path swapped
// for a symlink or a FIFO after it was listed is refused instead of followed or blocked on.
Status HashFileContents(const fs::path& path, Hasher& h) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return NotFoundError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgumentError(fmt::format("{} is not a regular file", path.string()));
  }
  std::vector<char> buf(1 << 16);
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return DataLossError(fmt::format("error reading {}: {}", path.string(), std::strerror(err)));
    }
    h.Update({buf.data(), static_cast<size_t>(n)});
  }
  ::close(fd);
  return Status::Ok();
}

// What a directory entry is, without opening it: FIFOs, sockets and devices are recorded by kind
// and never read (reading a FIFO would block, a device may never end).
std::string_view SpecialKind(const fs::file_status& s) {
  switch (s.type()) {
    case fs::file_type::fifo:
      return "fifo";
    case fs::file_type::socket:
      return "socket";
    case fs::file_type::block:
      return "block-device";
    case fs::file_type::character:
      return "character-device";
    default:
      return "unknown";
  }
}

}  // namespace

Result<std::string> FingerprintPath(const fs::path& path) {
  std::error_code ec;
  auto st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st)) return NotFoundError(fmt::format("{} does not exist", path.string()));
  Hasher h;
  if (fs::is_regular_file(st)) {
    h.UpdateField("file");
    LATHE_RETURN_IF_ERROR(HashFileContents(path, h));
    return h.Finish();
  }
  if (!fs::is_directory(st))
    return InvalidArgumentError(fmt::format("{} is neither a file nor a directory", path.string()));
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    entries.push_back(it->path());
  }
  if (ec) return DataLossError(fmt::format("cannot list {}: {}", path.string(), ec.message()));
  std::vector<std::pair<std::string, fs::path>> rel;
  rel.reserve(entries.size());
  // Lexical: entries come from the listing itself, and resolving them could meet a symlink loop.
  for (auto& p : entries) rel.emplace_back(p.lexically_relative(path).generic_string(), p);
  std::sort(rel.begin(), rel.end());
  h.UpdateField("dir");
  for (auto& [name, p] : rel) {
    auto s = fs::symlink_status(p, ec);
    h.UpdateField(name);
    if (fs::is_symlink(s)) {
      h.UpdateField("link");
      h.UpdateField(fs::read_symlink(p, ec).string());
    } else if (fs::is_directory(s)) {
      h.UpdateField("dir");
    } else if (!fs::is_regular_file(s)) {
      h.UpdateField(SpecialKind(s));
    } else {
      h.UpdateField("file");
      Hasher file_hash;
      LATHE_RETURN_IF_ERROR(HashFileContents(p, file_hash));
      h.UpdateField(file_hash.Finish());
    }
  }
  return h.Finish();
}

}  // namespace lathe
