// Content hashing: fast non-cryptographic digests (XXH3-128) for fingerprints and cache keys.
//
// A fingerprint names content, not location: a file's fingerprint covers its bytes; a directory's
// covers the sorted relative paths, kinds and bytes of everything below it, so renaming the
// directory keeps its fingerprint. Fingerprints are "xxh3-128:<32 hex digits>". Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "lathe/core/status.h"

namespace lathe {

// Incremental XXH3-128 hasher. Not thread-safe; one per thread.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(std::string_view bytes);
  // Hashes the length first so that ("ab","c") and ("a","bc") differ.
  void UpdateField(std::string_view bytes);
  // "xxh3-128:<hex>"
  std::string Finish();

 private:
  void* state_;
};

std::string HashBytes(std::string_view bytes);

// Fingerprint of a regular file or a directory tree. Symlinks are hashed by their target path,
// never followed (a symlink loop is just a link); FIFOs, sockets and devices inside the tree are
// hashed by kind and never opened, so fingerprinting never blocks. Fails with NOT_FOUND if `path`
// does not exist, INVALID_ARGUMENT if it is neither a file nor a directory, DATA_LOSS if the tree
// cannot be listed or read. Never throws.
Result<std::string> FingerprintPath(const std::filesystem::path& path);

}  // namespace lathe
