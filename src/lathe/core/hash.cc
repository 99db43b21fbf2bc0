#include "lathe/core/hash.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
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

Status HashFileContents(const fs::path& path, Hasher& h) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFoundError(fmt::format("cannot read {}", path.string()));
  std::vector<char> buf(1 << 16);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) h.Update({buf.data(), n});
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return DataLossError(fmt::format("error reading {}", path.string()));
  return Status::Ok();
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
  for (auto& p : entries) rel.emplace_back(fs::relative(p, path).generic_string(), p);
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
