// Builds tar layers for tests with libarchive's writer.
#ifndef CRATE_REGISTRY_UNPACK_TEST_TAR_H_
#define CRATE_REGISTRY_UNPACK_TEST_TAR_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace crate::registry::testing {

struct TarEntry {
  enum class Type { kFile, kDir, kSymlink, kHardlink, kChar, kBlock, kFifo };
  std::string path;
  Type type = Type::kFile;
  std::string data;
  uint64_t zeros = 0;  // Appended to data without holding it in memory.
  std::string link;    // Symlink or hard link target.
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t mtime = 1600000000;
  unsigned dev_major = 0, dev_minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

enum class Compression { kNone, kGzip, kZstd };

TarEntry File(std::string path, std::string data, mode_t mode = 0644);
TarEntry Dir(std::string path, mode_t mode = 0755);
TarEntry Symlink(std::string path, std::string target);
TarEntry Hardlink(std::string path, std::string target);

absl::Status WriteTar(const std::string& path,
                      const std::vector<TarEntry>& entries,
                      Compression compression);

}  // namespace crate::registry::testing

#endif  // CRATE_REGISTRY_UNPACK_TEST_TAR_H_
