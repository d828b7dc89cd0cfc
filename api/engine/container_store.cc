#include "api/engine/container_store.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

constexpr char kRecordFile[] = "container.json";
// Hidden entries of containers/: a directory being made (before it is
// renamed into place) and one being deleted (after it was renamed away).
// Neither is a container; List skips them and Repair sweeps leftovers.
constexpr char kCreatingPrefix[] = ".creating-";
constexpr char kRemovingPrefix[] = ".removing-";
constexpr mode_t kDirMode = 0700;
// Records hold the create options, environment variables included.
constexpr mode_t kRecordMode = 0600;
constexpr size_t kMaxRecordSize = 16 << 20;
// Generated names collide rarely; after this many tries something else is
// wrong and the caller hears about it.
constexpr int kMaxNameAttempts = 10;

absl::Status NoSuchContainer(absl::string_view ref) {
  return absl::NotFoundError(absl::StrCat("no such container: ", ref));
}

absl::Status CheckId(absl::string_view id) {
  if (IsFullId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid container ID \"", id, "\": expected 64 lowercase hex digits"));
}

}  // namespace

ContainerStore::ContainerStore(const std::string& root)
    : containers_dir_(JoinPath(root, "containers")),
      names_(JoinPath(root, "names")) {}

absl::StatusOr<ContainerStore> ContainerStore::Open(const std::string& root) {
  ContainerStore store(root);
  RETURN_IF_ERROR(MakeDirs(store.containers_dir_, kDirMode));
  RETURN_IF_ERROR(MakeDirs(store.names_.dir(), kDirMode));
  return store;
}

std::string ContainerStore::ContainerDir(absl::string_view id) const {
  return JoinPath(containers_dir_, id);
}

std::string ContainerStore::RecordPath(absl::string_view id) const {
  return JoinPath(ContainerDir(id), kRecordFile);
}

absl::StatusOr<ContainerRecord> ContainerStore::ReadRecord(
    absl::string_view id) const {
  std::string path = RecordPath(id);
  absl::StatusOr<std::string> text = ReadFile(path, kMaxRecordSize);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) return NoSuchContainer(id);
    return text.status();
  }
  ASSIGN_OR_RETURN(ContainerRecord record, ParseContainerRecord(*text, path));
  if (record.id != id) {
    return absl::DataLossError(
        absl::StrCat(path, ": field \"id\": \"", record.id,
                     "\" is not the ID of its directory"));
  }
  return record;
}

absl::Status ContainerStore::WriteRecord(const ContainerRecord& record) const {
  ASSIGN_OR_RETURN(std::string text, SerializeContainerRecord(record));
  return WriteFileAtomic(RecordPath(record.id), text, kRecordMode);
}

absl::Status ContainerStore::MakeContainerDir(
    const ContainerRecord& record) const {
  ASSIGN_OR_RETURN(std::string text, SerializeContainerRecord(record));
  // Shared: Repair takes this lock exclusively before it sweeps half-made
  // directories, so it never deletes one a Create is still filling.
  ASSIGN_OR_RETURN(DirLock lock,
                   DirLock::Acquire(containers_dir_, DirLock::Mode::kShared));
  std::string tmp =
      JoinPath(containers_dir_, absl::StrCat(kCreatingPrefix, record.id));
  if (::mkdir(tmp.c_str(), kDirMode) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("container ID ", record.id, " is already in use"));
    }
    return ErrnoStatus("mkdir", tmp);
  }
  absl::Status s =
      WriteFileAtomic(JoinPath(tmp, kRecordFile), text, kRecordMode);
  if (s.ok()) {
    s = RenameNoReplace(tmp, ContainerDir(record.id));
    if (absl::IsAlreadyExists(s)) {
      s = absl::AlreadyExistsError(
          absl::StrCat("container ID ", record.id, " is already in use"));
    }
  }
  if (!s.ok()) {
    RemoveTree(tmp).IgnoreError();  // Repair sweeps it if this fails too.
    return s;
  }
  return SyncDir(containers_dir_);
}

absl::Status ContainerStore::ClaimName(ContainerRecord& record,
                                       bool generated) {
  for (int attempt = 1;; ++attempt) {
    absl::Status s = names_.Claim(record.name, record.id);
    if (s.ok() || !generated || !absl::IsAlreadyExists(s) ||
        attempt == kMaxNameAttempts) {
      return s;
    }
    ASSIGN_OR_RETURN(record.name, RandomContainerName(attempt));
    RETURN_IF_ERROR(WriteRecord(record));
  }
}

absl::StatusOr<ContainerRecord> ContainerStore::Create(ContainerRecord record) {
  if (record.id.empty()) {
    ASSIGN_OR_RETURN(record.id, NewId());
  } else {
    RETURN_IF_ERROR(CheckId(record.id));
  }
  bool generated = record.name.empty();
  if (generated) {
    ASSIGN_OR_RETURN(record.name, RandomContainerName());
  } else {
    RETURN_IF_ERROR(ValidateContainerName(record.name));
  }
  if (record.created == absl::InfinitePast()) record.created = absl::Now();
  record.state = ContainerState::kCreating;

  RETURN_IF_ERROR(MakeContainerDir(record));
  absl::Status claimed = ClaimName(record, generated);
  if (!claimed.ok()) {
    absl::Status removed = RemoveContainerDir(record.id);
    if (!removed.ok()) {
      return absl::Status(claimed.code(),
                          absl::StrCat(claimed.message(),
                                       "; removing the new container's "
                                       "directory failed too: ",
                                       removed.message()));
    }
    return claimed;
  }
  return record;
}

absl::StatusOr<ContainerRecord> ContainerStore::Get(
    absl::string_view id) const {
  RETURN_IF_ERROR(CheckId(id));
  return ReadRecord(id);
}

absl::StatusOr<ContainerRecord> ContainerStore::Update(absl::string_view id,
                                                       Mutator mutate) {
  RETURN_IF_ERROR(CheckId(id));
  absl::StatusOr<DirLock> lock = DirLock::Acquire(ContainerDir(id));
  if (!lock.ok()) {
    if (absl::IsNotFound(lock.status())) return NoSuchContainer(id);
    return lock.status();
  }
  // Read under the lock: a Remove that held it before us has renamed the
  // directory away, and this read then says so.
  ASSIGN_OR_RETURN(ContainerRecord before, ReadRecord(id));
  ContainerRecord after = before;
  RETURN_IF_ERROR(mutate(after));
  if (after.id != before.id || after.name != before.name) {
    return absl::InvalidArgumentError(absl::StrCat(
        "container ", before.name,
        ": an update may not change its ID or name (rename it instead)"));
  }
  RETURN_IF_ERROR(WriteRecord(after));
  return after;
}

absl::StatusOr<ContainerList> ContainerStore::List() const {
  ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(containers_dir_));
  ContainerList list;
  list.records.reserve(entries.size());
  for (const std::string& entry : entries) {
    if (absl::StartsWith(entry, ".")) continue;
    std::string dir = ContainerDir(entry);
    if (!IsFullId(entry)) {
      list.problems.push_back(absl::FailedPreconditionError(absl::StrCat(
          dir, ": not a container ID; left alone (remove it by hand)")));
      continue;
    }
    absl::StatusOr<ContainerRecord> record = ReadRecord(entry);
    if (record.ok()) {
      list.records.push_back(*std::move(record));
    } else if (!absl::IsNotFound(record.status())) {
      list.problems.push_back(record.status());
    } else if (PathExists(dir)) {
      list.problems.push_back(absl::DataLossError(absl::StrCat(
          dir, ": the container's directory has no ", kRecordFile)));
    }
    // Otherwise it was removed since ListDir: not a problem.
  }
  std::sort(list.records.begin(), list.records.end(),
            [](const ContainerRecord& a, const ContainerRecord& b) {
              if (a.created != b.created) return a.created > b.created;
              return a.id < b.id;
            });
  return list;
}

absl::StatusOr<ContainerRecord> ContainerStore::Resolve(
    absl::string_view ref) const {
  if (ref.empty()) {
    return absl::InvalidArgumentError("empty container name or ID");
  }
  if (ValidateContainerName(ref).ok()) {
    absl::StatusOr<std::string> id = names_.Lookup(ref);
    if (id.ok() && IsFullId(*id)) {
      absl::StatusOr<ContainerRecord> record = ReadRecord(*id);
      // A name whose container is gone is a crash's leftover: ignore it.
      if (!absl::IsNotFound(record.status())) return record;
    } else if (!id.ok() && !absl::IsNotFound(id.status())) {
      return id.status();
    }
  }
  if (IsFullId(ref)) {
    absl::StatusOr<ContainerRecord> record = ReadRecord(ref);
    if (absl::IsNotFound(record.status())) return NoSuchContainer(ref);
    return record;
  }
  if (!IsIdPrefix(ref)) return NoSuchContainer(ref);
  ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(containers_dir_));
  std::string match;
  int matches = 0;
  for (const std::string& entry : entries) {
    if (IsFullId(entry) && absl::StartsWith(entry, ref)) {
      match = entry;
      ++matches;
    }
  }
  if (matches == 0) return NoSuchContainer(ref);
  if (matches > 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("container prefix \"", ref, "\" is ambiguous (matches ",
                     matches, " containers); give more of the ID"));
  }
  absl::StatusOr<ContainerRecord> record = ReadRecord(match);
  if (absl::IsNotFound(record.status())) return NoSuchContainer(ref);
  return record;
}

absl::Status ContainerStore::RemoveContainerDir(absl::string_view id) const {
  std::string away =
      JoinPath(containers_dir_, absl::StrCat(kRemovingPrefix, id));
  // A previous attempt that failed half-way left this; finish it first so
  // the rename below has a free name.
  RETURN_IF_ERROR(RemoveTree(away));
  std::string dir = ContainerDir(id);
  if (::rename(dir.c_str(), away.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoStatus(absl::StrCat("rename to ", away), dir);
  }
  absl::Status removed = RemoveTree(away);
  if (!removed.ok()) {
    return Annotate(
        removed, absl::StrCat("remove container ", id, " (what is left is in ",
                              away, "; removing it again finishes)"));
  }
  return absl::OkStatus();
}

absl::Status ContainerStore::Remove(absl::string_view id) {
  RETURN_IF_ERROR(CheckId(id));
  absl::StatusOr<DirLock> lock = DirLock::Acquire(ContainerDir(id));
  if (!lock.ok()) {
    if (!absl::IsNotFound(lock.status())) return lock.status();
    // An earlier Remove that failed half-way: the name went with it, the
    // rest is finished here (after any Remove still at work).
    std::string away =
        JoinPath(containers_dir_, absl::StrCat(kRemovingPrefix, id));
    absl::StatusOr<DirLock> away_lock = DirLock::Acquire(away);
    if (!away_lock.ok()) {
      if (absl::IsNotFound(away_lock.status())) return NoSuchContainer(id);
      return away_lock.status();
    }
    return RemoveTree(away);
  }
  absl::StatusOr<ContainerRecord> record = ReadRecord(id);
  if (record.ok()) {
    RETURN_IF_ERROR(names_.Release(record->name, id));
  } else {
    // The record cannot say its name: release whatever points here.
    std::vector<absl::Status> ignored;
    ASSIGN_OR_RETURN(auto links, names_.List(&ignored));
    for (const auto& [name, target] : links) {
      if (target == id) RETURN_IF_ERROR(names_.Release(name, id));
    }
  }
  return RemoveContainerDir(id);
}

absl::StatusOr<ContainerRecord> ContainerStore::Rename(
    absl::string_view id, absl::string_view new_name) {
  RETURN_IF_ERROR(CheckId(id));
  RETURN_IF_ERROR(ValidateContainerName(new_name));
  absl::StatusOr<DirLock> lock = DirLock::Acquire(ContainerDir(id));
  if (!lock.ok()) {
    if (absl::IsNotFound(lock.status())) return NoSuchContainer(id);
    return lock.status();
  }
  ASSIGN_OR_RETURN(ContainerRecord record, ReadRecord(id));
  if (record.name == new_name) return record;
  RETURN_IF_ERROR(names_.Claim(new_name, id));
  std::string old_name = std::exchange(record.name, std::string(new_name));
  absl::Status written = WriteRecord(record);
  if (!written.ok()) {
    names_.Release(new_name, id).IgnoreError();
    return written;
  }
  // The rename is committed once the record says so; an old name that
  // cannot be released now is one Repair releases later.
  names_.Release(old_name, id).IgnoreError();
  return record;
}

absl::StatusOr<std::vector<std::string>>
ContainerStore::ListNamesWithoutContainer() const {
  std::vector<absl::Status> ignored;
  ASSIGN_OR_RETURN(auto links, names_.List(&ignored));
  std::vector<std::string> out;
  for (const auto& [name, target] : links) {
    if (!IsFullId(target) || !PathExists(ContainerDir(target))) {
      out.push_back(name);
    }
  }
  return out;
}

absl::Status ContainerStore::RemoveLeftovers(
    ContainerRepairReport& report) const {
  // Exclusive: no Create is between its mkdir and its rename now.
  ASSIGN_OR_RETURN(DirLock lock, DirLock::Acquire(containers_dir_));
  ASSIGN_OR_RETURN(std::vector<std::string> entries, ListDir(containers_dir_));
  for (const std::string& entry : entries) {
    bool creating = absl::StartsWith(entry, kCreatingPrefix);
    bool removing = absl::StartsWith(entry, kRemovingPrefix);
    if (!creating && !removing) continue;
    std::string path = JoinPath(containers_dir_, entry);
    // A Remove holds its directory's lock until the tree is gone.
    absl::StatusOr<DirLock> busy = DirLock::TryAcquire(path);
    if (!busy.ok()) continue;
    absl::Status s = RemoveTree(path);
    if (s.ok()) {
      report.removed_leftovers.push_back(path);
    } else {
      report.problems.push_back(s);
    }
  }
  return absl::OkStatus();
}

absl::Status ContainerStore::ReleaseRenameLeftovers(
    const ContainerList& list, ContainerRepairReport& report) {
  std::map<std::string, const ContainerRecord*> by_id;
  for (const ContainerRecord& r : list.records) by_id[r.id] = &r;
  std::vector<absl::Status> ignored;  // Already reported by ReleaseIf.
  ASSIGN_OR_RETURN(auto links, names_.List(&ignored));
  for (const auto& [name, target] : links) {
    auto it = by_id.find(target);
    if (it == by_id.end() || it->second->name == name) continue;
    // Decide again under the container's lock: a Rename may be running.
    absl::StatusOr<DirLock> lock = DirLock::Acquire(ContainerDir(target));
    if (!lock.ok()) continue;
    absl::StatusOr<ContainerRecord> now = ReadRecord(target);
    if (!now.ok() || now->name == name) continue;
    absl::Status s = names_.Release(name, target);
    if (s.ok()) {
      report.released_names.push_back(name);
    } else {
      report.problems.push_back(s);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ContainerRepairReport> ContainerStore::Repair() {
  ContainerRepairReport report;
  auto container_gone = [&](const std::string& name,
                            const std::string& target) {
    if (IsFullId(target)) return !PathExists(ContainerDir(target));
    report.problems.push_back(absl::FailedPreconditionError(
        absl::StrCat(JoinPath(names_.dir(), name), " points at \"", target,
                     "\", which is not a container ID; left alone")));
    return false;
  };
  ASSIGN_OR_RETURN(report.released_names,
                   names_.ReleaseIf(container_gone, &report.problems));
  RETURN_IF_ERROR(RemoveLeftovers(report));
  ASSIGN_OR_RETURN(ContainerList list, List());
  for (absl::Status& s : list.problems) report.problems.push_back(s);
  RETURN_IF_ERROR(ReleaseRenameLeftovers(list, report));
  for (const ContainerRecord& r : list.records) {
    absl::StatusOr<std::string> owner = names_.Lookup(r.name);
    if (!owner.ok() || *owner != r.id) {
      report.unnamed_containers.push_back(r.id);
    }
  }
  return report;
}

}  // namespace crate::engine
