// The service's container records on disk, one directory per container:
//
//   <root>/containers/<id>/container.json    the record (ContainerRecord)
//   <root>/names/<name> -> <id>              one symlink per name
//
// Nothing is cached: every call reads the disk, so two processes (crated
// and a tool, or two crateds in a test) see one truth. Every write is
// atomic (temp, fsync, rename, fsync of the directory); names are unique
// by construction (NameLinks). docs/SERVICE.md says what a crash at each
// step leaves and how Repair and the engine's reconciler clear it.
#ifndef CRATE_API_ENGINE_CONTAINER_STORE_H_
#define CRATE_API_ENGINE_CONTAINER_STORE_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/engine/container_record.h"
#include "api/engine/name_links.h"

namespace crate::engine {

struct ContainerList {
  std::vector<ContainerRecord> records;  // newest first
  // One per entry that could not be read, naming its path; those entries
  // are left out of `records`, so one damaged file does not hide the rest.
  std::vector<absl::Status> problems;
};

struct ContainerRepairReport {
  // Names whose container directory is gone (a crash inside Remove) or
  // whose container's record names another (a crash inside Rename).
  std::vector<std::string> released_names;
  // IDs of records no name points at: a Create that a crash stopped before
  // its claim. Such records are kCreating; the engine drops them.
  std::vector<std::string> unnamed_containers;
  // Half-made and half-removed directories that were removed.
  std::vector<std::string> removed_leftovers;
  // What Repair saw and left for a person: unreadable records, entries it
  // does not know.
  std::vector<absl::Status> problems;
};

class ContainerStore {
 public:
  // Creates <root>/containers and <root>/names (0700) if needed.
  static absl::StatusOr<ContainerStore> Open(const std::string& root);

  // Stores a new container: an empty id gets a fresh one, an empty name a
  // random "adjective_surname". The directory appears whole with its record
  // (state kCreating, `created` set if unset), then the name is claimed;
  // a name in use is kAlreadyExists and leaves nothing behind.
  absl::StatusOr<ContainerRecord> Create(ContainerRecord record);

  // kNotFound "no such container: <id>".
  absl::StatusOr<ContainerRecord> Get(absl::string_view id) const;

  // Read, mutate, write, under the container's lock, so that concurrent
  // updates of one container do not lose each other's changes. An error
  // from `mutate` is returned and nothing is written. The mutator may not
  // change id or name (Rename does that). Returns the record as written.
  using Mutator = absl::FunctionRef<absl::Status(ContainerRecord&)>;
  absl::StatusOr<ContainerRecord> Update(absl::string_view id, Mutator mutate);

  // Every readable record; kNotFound only if the store itself is gone.
  absl::StatusOr<ContainerList> List() const;

  // A container by exact name, else full ID, else unique ID prefix.
  // kNotFound "no such container: <ref>"; a prefix that matches several
  // is kFailedPrecondition, as for images.
  absl::StatusOr<ContainerRecord> Resolve(absl::string_view ref) const;

  // Releases the name, then removes the directory (which must hold no
  // mounts). Retrying after a failed removal finishes it.
  absl::Status Remove(absl::string_view id);

  // Claims `new_name`, records it, releases the old name.
  absl::StatusOr<ContainerRecord> Rename(absl::string_view id,
                                         absl::string_view new_name);

  // Names that point at no container directory.
  absl::StatusOr<std::vector<std::string>> ListNamesWithoutContainer() const;

  // Run when the service starts, before it answers anything: releases the
  // names a crash left (see ContainerRepairReport), removes half-made and
  // half-removed directories, and reports the rest.
  absl::StatusOr<ContainerRepairReport> Repair();

  // <root>/containers/<id>: the container's directory, where the engine
  // keeps its bundle, rootfs mount point and logs.
  std::string ContainerDir(absl::string_view id) const;

 private:
  explicit ContainerStore(const std::string& root);

  std::string RecordPath(absl::string_view id) const;
  absl::StatusOr<ContainerRecord> ReadRecord(absl::string_view id) const;
  absl::Status WriteRecord(const ContainerRecord& record) const;
  // Makes the directory with its record under a hidden name and renames it
  // into place, so no reader sees a directory without a record.
  absl::Status MakeContainerDir(const ContainerRecord& record) const;
  absl::Status ClaimName(ContainerRecord& record, bool generated);
  // Renames the directory out of sight, then deletes it.
  absl::Status RemoveContainerDir(absl::string_view id) const;
  absl::Status RemoveLeftovers(ContainerRepairReport& report) const;
  absl::Status ReleaseRenameLeftovers(const ContainerList& list,
                                      ContainerRepairReport& report);

  std::string containers_dir_;
  NameLinks names_;
};

}  // namespace crate::engine

#endif  // CRATE_API_ENGINE_CONTAINER_STORE_H_
