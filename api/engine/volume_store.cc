#include "api/engine/volume_store.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "api/engine/dir_lock.h"
#include "api/engine/dir_ops.h"
#include "api/engine/ids.h"
#include "api/engine/names.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {
namespace {

constexpr char kRecordFile[] = "volume.json";
constexpr char kDataDir[] = "_data";
constexpr char kCreatingPrefix[] = ".creating-";
constexpr char kRemovingPrefix[] = ".removing-";
constexpr mode_t kDirMode = 0700;
// Containers run as any user; the data directory's own mode is what the
// image's user meets, as with docker's volumes.
constexpr mode_t kDataMode = 0755;
constexpr mode_t kRecordMode = 0600;
constexpr size_t kMaxRecordSize = 1 << 20;
// docker's local driver accepts these and nothing else.
constexpr const char* kLocalOptions[] = {"type", "device", "o", "size"};

absl::Status NoSuchVolume(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat("no such volume: ", name));
}

absl::Status CheckDriver(const VolumeCreateOptions& options) {
  if (!options.driver.empty() && options.driver != kLocalVolumeDriver) {
    return absl::InvalidArgumentError(
        absl::StrCat("volume driver \"", options.driver,
                     "\" is not supported: only \"local\" is"));
  }
  for (const auto& [key, value] : options.options) {
    if (std::find(std::begin(kLocalOptions), std::end(kLocalOptions), key) ==
        std::end(kLocalOptions)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid option \"", key,
                       "\" for the local volume driver: known options are "
                       "type, device, o and size"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<VolumeRecord> NewRecord(const VolumeCreateOptions& options) {
  VolumeRecord r;
  if (options.name.empty()) {
    ASSIGN_OR_RETURN(r.name, NewId());
    r.anonymous = true;
  } else {
    RETURN_IF_ERROR(ValidateVolumeName(options.name));
    r.name = options.name;
  }
  r.labels = options.labels;
  r.options = options.options;
  r.created = absl::Now();
  return r;
}

// Fills a fresh hidden directory with the record and the data directory.
absl::StatusOr<std::string> MakeVolumeTree(const std::string& dir,
                                           absl::string_view record_text) {
  std::string tmp = JoinPath(dir, absl::StrCat(kCreatingPrefix, "XXXXXX"));
  if (::mkdtemp(tmp.data()) == nullptr) return ErrnoStatus("mkdtemp", tmp);
  std::string data = JoinPath(tmp, kDataDir);
  absl::Status s;
  if (::mkdir(data.c_str(), kDataMode) != 0) {
    s = ErrnoStatus("mkdir", data);
  } else if (::chmod(data.c_str(), kDataMode) != 0) {  // past the umask
    s = ErrnoStatus("chmod", data);
  } else {
    s = WriteFileAtomic(JoinPath(tmp, kRecordFile), record_text, kRecordMode);
  }
  if (!s.ok()) {
    RemoveTree(tmp).IgnoreError();  // Repair sweeps it if this fails too.
    return s;
  }
  return tmp;
}

std::string InUseMessage(absl::string_view name,
                         const std::vector<std::string>& users) {
  return absl::StrCat("volume ", name, " is in use by container",
                      users.size() > 1 ? "s " : " ",
                      absl::StrJoin(users, ", "));
}

}  // namespace

absl::StatusOr<VolumeStore> VolumeStore::Open(const std::string& root) {
  VolumeStore store(JoinPath(root, "volumes"));
  RETURN_IF_ERROR(MakeDirs(store.dir_, kDirMode));
  return store;
}

std::string VolumeStore::VolumeDir(absl::string_view name) const {
  return JoinPath(dir_, name);
}

std::string VolumeStore::Mountpoint(absl::string_view name) const {
  return JoinPath(VolumeDir(name), kDataDir);
}

absl::StatusOr<DirLock> VolumeStore::Hold(absl::string_view name) const {
  if (!ValidateVolumeName(name).ok()) return NoSuchVolume(name);
  absl::StatusOr<DirLock> lock =
      DirLock::Acquire(VolumeDir(name), DirLock::Mode::kShared);
  if (!lock.ok() && absl::IsNotFound(lock.status())) return NoSuchVolume(name);
  return lock;
}

absl::StatusOr<UniqueFd> VolumeStore::OpenData(absl::string_view name) const {
  if (!ValidateVolumeName(name).ok()) return NoSuchVolume(name);
  UniqueFd dir(::open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return ErrnoStatus("open", dir_);
  std::string relative = JoinPath(name, kDataDir);
  struct open_how how = {};
  how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(
      ::syscall(SYS_openat2, dir.get(), relative.c_str(), &how, sizeof(how))));
  if (fd) return fd;
  int err = errno;
  std::string path = Mountpoint(name);
  if (err == ELOOP || err == ENOTDIR) {
    return absl::FailedPreconditionError(absl::StrCat(
        "volume ", name, ": ", path,
        " is not a directory of its own (a symlink, or not a directory); "
        "refusing to mount it"));
  }
  if (err == ENOENT && !PathExists(VolumeDir(name))) return NoSuchVolume(name);
  return ErrnoToStatus(err, "open", path);
}

absl::StatusOr<VolumeRecord> VolumeStore::ReadRecord(
    absl::string_view name) const {
  std::string path = JoinPath(VolumeDir(name), kRecordFile);
  absl::StatusOr<std::string> text = ReadFile(path, kMaxRecordSize);
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status())) return text.status();
    if (!PathExists(VolumeDir(name))) return NoSuchVolume(name);
    return absl::DataLossError(
        absl::StrCat(VolumeDir(name), ": the volume has no ", kRecordFile));
  }
  ASSIGN_OR_RETURN(VolumeRecord record, ParseVolumeRecord(*text, path));
  if (record.name != name) {
    return absl::DataLossError(
        absl::StrCat(path, ": field \"name\": \"", record.name,
                     "\" is not the name of its directory"));
  }
  record.mountpoint = Mountpoint(name);
  return record;
}

absl::StatusOr<VolumeRecord> VolumeStore::Create(
    const VolumeCreateOptions& options) {
  RETURN_IF_ERROR(CheckDriver(options));
  ASSIGN_OR_RETURN(VolumeRecord record, NewRecord(options));
  ASSIGN_OR_RETURN(std::string text, SerializeVolumeRecord(record));
  // Shared: Repair sweeps half-made volumes under the exclusive lock.
  ASSIGN_OR_RETURN(DirLock lock,
                   DirLock::Acquire(dir_, DirLock::Mode::kShared));
  ASSIGN_OR_RETURN(std::string tmp, MakeVolumeTree(dir_, text));
  absl::Status s = RenameNoReplace(tmp, VolumeDir(record.name));
  if (!s.ok()) {
    RemoveTree(tmp).IgnoreError();
    if (absl::IsAlreadyExists(s)) {
      return absl::AlreadyExistsError(
          absl::StrCat("volume ", record.name, " already exists"));
    }
    return s;
  }
  RETURN_IF_ERROR(SyncDir(dir_));
  record.mountpoint = Mountpoint(record.name);
  return record;
}

absl::StatusOr<VolumeRecord> VolumeStore::Get(absl::string_view name) const {
  // An invalid name cannot exist, and must not reach a path.
  if (!ValidateVolumeName(name).ok()) return NoSuchVolume(name);
  return ReadRecord(name);
}

absl::StatusOr<VolumeList> VolumeStore::List() const {
  ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(dir_));
  VolumeList list;
  for (const std::string& name : entries) {
    if (absl::StartsWith(name, ".")) continue;  // being made or removed
    if (!ValidateVolumeName(name).ok()) {
      list.problems.push_back(absl::FailedPreconditionError(
          absl::StrCat(VolumeDir(name), ": not a volume name; left alone")));
      continue;
    }
    absl::StatusOr<VolumeRecord> record = ReadRecord(name);
    if (record.ok()) {
      list.volumes.push_back(*std::move(record));
    } else if (!absl::IsNotFound(record.status())) {
      list.problems.push_back(record.status());
    }
  }
  std::sort(list.volumes.begin(), list.volumes.end(),
            [](const VolumeRecord& a, const VolumeRecord& b) {
              return a.name < b.name;
            });
  return list;
}

absl::Status VolumeStore::Remove(absl::string_view name, bool force,
                                 const VolumeUsersFn& users) {
  if (!ValidateVolumeName(name).ok()) return NoSuchVolume(name);
  // Held until the tree is gone, so Repair leaves our leftover alone.
  absl::StatusOr<DirLock> lock = DirLock::Acquire(VolumeDir(name));
  if (!lock.ok()) {
    if (absl::IsNotFound(lock.status())) return NoSuchVolume(name);
    return lock.status();
  }
  absl::StatusOr<VolumeRecord> record = ReadRecord(name);
  if (!record.ok()) {
    if (absl::IsNotFound(record.status())) return record.status();
    if (!force) {
      return absl::Status(
          record.status().code(),
          absl::StrCat(record.status().message(), "; removing volume ", name,
                       " with force deletes it anyway"));
    }
  } else if (users) {
    std::vector<std::string> in_use = users(*record);
    if (!in_use.empty() && !force) {
      return absl::FailedPreconditionError(InUseMessage(name, in_use));
    }
  }
  ASSIGN_OR_RETURN(std::string away, RenameAway(VolumeDir(name)));
  absl::Status removed = RemoveTree(away);
  if (!removed.ok()) {
    return Annotate(
        removed,
        absl::StrCat("remove volume ", name,
                     " (the name is free; what is left is in ", away, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<VolumePruneReport> VolumeStore::Prune(
    bool all, const VolumeUsersFn& users) {
  ASSIGN_OR_RETURN(VolumeList list, List());
  VolumePruneReport report;
  report.problems = std::move(list.problems);
  for (const VolumeRecord& v : list.volumes) {
    if (!all && !v.anonymous) continue;
    if (users && !users(v).empty()) continue;
    absl::StatusOr<uint64_t> size = TreeSize(v.mountpoint);
    // Remove asks `users` again under the volume's lock.
    absl::Status s = Remove(v.name, /*force=*/false, users);
    if (s.ok()) {
      report.removed.push_back(v.name);
      report.space_reclaimed += size.value_or(0);
    } else if (!absl::IsNotFound(s)) {
      report.problems.push_back(s);
    }
  }
  return report;
}

absl::StatusOr<std::vector<std::string>> VolumeStore::Repair(
    std::vector<absl::Status>* problems) {
  // Exclusive: no Create is between its mkdtemp and its rename now.
  ASSIGN_OR_RETURN(DirLock lock, DirLock::Acquire(dir_));
  ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(dir_));
  std::vector<std::string> removed;
  for (const std::string& entry : entries) {
    if (!absl::StartsWith(entry, kCreatingPrefix) &&
        !absl::StartsWith(entry, kRemovingPrefix)) {
      continue;
    }
    std::string path = JoinPath(dir_, entry);
    // A Remove at work holds the lock of the directory it renamed away.
    if (!DirLock::TryAcquire(path).ok()) continue;
    absl::Status s = RemoveTree(path);
    if (s.ok()) {
      removed.push_back(path);
    } else {
      problems->push_back(s);
    }
  }
  return removed;
}

}  // namespace crate::engine
