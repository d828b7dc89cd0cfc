#include "registry/unpack/test_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"

namespace crate::registry::testing {

TarEntry File(std::string path, std::string data, mode_t mode) {
  TarEntry e;
  e.path = std::move(path);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}

TarEntry Dir(std::string path, mode_t mode) {
  TarEntry e;
  e.path = std::move(path);
  e.type = TarEntry::Type::kDir;
  e.mode = mode;
  return e;
}

TarEntry Symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = TarEntry::Type::kSymlink;
  e.link = std::move(target);
  e.mode = 0777;
  return e;
}

TarEntry Hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = TarEntry::Type::kHardlink;
  e.link = std::move(target);
  return e;
}

absl::Status WriteTar(const std::string& path,
                      const std::vector<TarEntry>& entries,
                      Compression compression) {
  std::unique_ptr<struct archive, decltype(&archive_write_free)> a(
      archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  switch (compression) {
    case Compression::kNone:
      archive_write_add_filter_none(a.get());
      break;
    case Compression::kGzip:
      archive_write_add_filter_gzip(a.get());
      break;
    case Compression::kZstd:
      archive_write_add_filter_zstd(a.get());
      break;
  }
  auto fail = [&](absl::string_view what) {
    return absl::InternalError(
        absl::StrCat(what, ": ", archive_error_string(a.get())));
  };
  if (archive_write_open_filename(a.get(), path.c_str()) != ARCHIVE_OK) {
    return fail("open");
  }
  for (const TarEntry& t : entries) {
    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> e(
        archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), t.path.c_str());
    archive_entry_set_perm(e.get(), t.mode);
    archive_entry_set_uid(e.get(), t.uid);
    archive_entry_set_gid(e.get(), t.gid);
    archive_entry_set_mtime(e.get(), t.mtime, 0);
    for (const auto& [k, v] : t.xattrs) {
      archive_entry_xattr_add_entry(e.get(), k.c_str(), v.data(), v.size());
    }
    uint64_t size = 0;
    switch (t.type) {
      case TarEntry::Type::kFile:
        archive_entry_set_filetype(e.get(), AE_IFREG);
        size = t.data.size() + t.zeros;
        break;
      case TarEntry::Type::kDir:
        archive_entry_set_filetype(e.get(), AE_IFDIR);
        break;
      case TarEntry::Type::kSymlink:
        archive_entry_set_filetype(e.get(), AE_IFLNK);
        archive_entry_set_symlink(e.get(), t.link.c_str());
        break;
      case TarEntry::Type::kHardlink:
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_hardlink(e.get(), t.link.c_str());
        break;
      case TarEntry::Type::kChar:
      case TarEntry::Type::kBlock:
        archive_entry_set_filetype(
            e.get(), t.type == TarEntry::Type::kChar ? AE_IFCHR : AE_IFBLK);
        archive_entry_set_rdev(e.get(), makedev(t.dev_major, t.dev_minor));
        break;
      case TarEntry::Type::kFifo:
        archive_entry_set_filetype(e.get(), AE_IFIFO);
        break;
    }
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) {
      return fail(absl::StrCat("header of ", t.path));
    }
    if (!t.data.empty() &&
        archive_write_data(a.get(), t.data.data(), t.data.size()) < 0) {
      return fail(absl::StrCat("data of ", t.path));
    }
    std::string zeros(std::min<uint64_t>(t.zeros, 1 << 20), '\0');
    for (uint64_t left = t.zeros; left > 0;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
      if (archive_write_data(a.get(), zeros.data(), n) < 0) {
        return fail(absl::StrCat("data of ", t.path));
      }
      left -= n;
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return fail("close");
  return absl::OkStatus();
}

}  // namespace crate::registry::testing
