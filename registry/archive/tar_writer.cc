#include "registry/archive/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

constexpr size_t kCopyBuffer = 1 << 20;

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TarWriter>> TarWriter::Create(
    const std::string& path) {
  if (path.empty() || path.back() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is not a file name"));
  }
  // A hidden name in the same directory: the rename cannot cross file
  // systems, and nothing listing the directory mistakes it for an archive.
  std::string tmp =
      absl::StrCat(DirName(path), "/.", BaseName(path), ".tmp-XXXXXX");
  UniqueFd fd(mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return ErrnoStatus("create", tmp);
  if (fchmod(fd.get(), 0644) != 0) {
    absl::Status s = ErrnoStatus("chmod", tmp);
    unlink(tmp.c_str());
    return s;
  }
  struct archive* a = archive_write_new();
  if (a == nullptr ||
      archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd.get()) != ARCHIVE_OK) {
    absl::Status s = absl::InternalError(
        absl::StrCat("start the tar ", tmp, ": ",
                     a != nullptr && archive_error_string(a) != nullptr
                         ? archive_error_string(a)
                         : "out of memory"));
    if (a != nullptr) archive_write_free(a);
    unlink(tmp.c_str());
    return s;
  }
  return std::unique_ptr<TarWriter>(
      new TarWriter(path, std::move(tmp), std::move(fd), a));
}

TarWriter::TarWriter(std::string path, std::string tmp, UniqueFd fd,
                     struct archive* a)
    : path_(std::move(path)),
      tmp_(std::move(tmp)),
      fd_(std::move(fd)),
      archive_(a) {}

TarWriter::~TarWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
  if (!committed_) unlink(tmp_.c_str());
}

absl::Status TarWriter::Fail(absl::Status s) {
  if (error_.ok()) error_ = s;
  return s;
}

absl::Status TarWriter::Header(absl::string_view name, bool dir,
                               uint64_t size) {
  RETURN_IF_ERROR(error_);
  std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> e(
      archive_entry_new(), archive_entry_free);
  const std::string n(name);
  archive_entry_set_pathname(e.get(), n.c_str());
  archive_entry_set_filetype(e.get(), dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(e.get(), dir ? 0755 : 0644);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_mtime(e.get(), 0, 0);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  if (archive_write_header(archive_, e.get()) != ARCHIVE_OK) {
    return Fail(absl::InternalError(
        absl::StrCat("write ", path_, ": entry \"", name,
                     "\": ", archive_error_string(archive_))));
  }
  return absl::OkStatus();
}

absl::Status TarWriter::AddDirectory(absl::string_view name) {
  return Header(name, /*dir=*/true, 0);
}

absl::Status TarWriter::AddFile(absl::string_view name,
                                absl::string_view data) {
  RETURN_IF_ERROR(Header(name, /*dir=*/false, data.size()));
  if (!data.empty() && archive_write_data(archive_, data.data(), data.size()) !=
                           static_cast<la_ssize_t>(data.size())) {
    return Fail(absl::InternalError(
        absl::StrCat("write ", path_, ": entry \"", name,
                     "\": ", archive_error_string(archive_))));
  }
  return absl::OkStatus();
}

absl::Status TarWriter::AddFileFrom(absl::string_view name, uint64_t size,
                                    const Reader& reader) {
  RETURN_IF_ERROR(Header(name, /*dir=*/false, size));
  std::vector<char> buf(kCopyBuffer);
  for (uint64_t done = 0; done < size;) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(buf.size(), size - done));
    absl::StatusOr<size_t> n = reader(buf.data(), want);
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) {
      return Fail(absl::DataLossError(
          absl::StrCat("write ", path_, ": entry \"", name, "\": its source ",
                       "ended after ", done, " of ", size, " bytes")));
    }
    if (archive_write_data(archive_, buf.data(), *n) !=
        static_cast<la_ssize_t>(*n)) {
      return Fail(absl::InternalError(
          absl::StrCat("write ", path_, ": entry \"", name,
                       "\": ", archive_error_string(archive_))));
    }
    done += *n;
  }
  return absl::OkStatus();
}

absl::Status TarWriter::Commit() {
  RETURN_IF_ERROR(error_);
  if (committed_) return absl::FailedPreconditionError("already committed");
  const int closed = archive_write_close(archive_);
  archive_write_free(archive_);
  archive_ = nullptr;
  if (closed != ARCHIVE_OK) {
    return Fail(absl::InternalError(absl::StrCat("finish ", tmp_)));
  }
  if (fsync(fd_.get()) != 0) return Fail(ErrnoStatus("fsync", tmp_));
  fd_.Reset();
  if (rename(tmp_.c_str(), path_.c_str()) != 0) {
    return Fail(ErrnoStatus(absl::StrCat("rename ", tmp_, " to"), path_));
  }
  committed_ = true;
  UniqueFd dir(
      open(DirName(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir || fsync(dir.get()) != 0) {
    return ErrnoStatus("fsync the directory of", path_);
  }
  return absl::OkStatus();
}

}  // namespace crate::registry
