#include "api/engine/volumes.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/engine/dir_ops.h"
#include "api/engine/ids.h"
#include "api/engine/volume_copy.h"
#include "api/engine/volume_filters.h"
#include "api/engine/volume_uses.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/status_macros.h"
#include "runtime/container/mounts.h"

namespace crate::engine {
namespace {

// A create racing a remove of the same volume tries again this often.
constexpr int kTakeAttempts = 5;

// "nocopy" is crate's to act on; the rest (a propagation) goes to the
// spec.
bool TakeNocopy(std::string& options) {
  std::vector<std::string> kept;
  bool nocopy = false;
  for (absl::string_view o : absl::StrSplit(options, ',', absl::SkipEmpty())) {
    if (o == "nocopy") {
      nocopy = true;
    } else {
      kept.emplace_back(o);
    }
  }
  options = absl::StrJoin(kept, ",");
  return nocopy;
}

}  // namespace

VolumeUsersFn Volumes::UserNames() {
  return [this](const VolumeRecord& v) -> std::vector<std::string> {
    absl::StatusOr<ContainerList> all = containers_->List();
    // Unknown users count as users: nothing is removed on a guess.
    if (!all.ok()) {
      return {absl::StrCat("(unknown: ", all.status().message(), ")")};
    }
    return VolumeUserNames(all->records, v.name);
  };
}

std::vector<std::string> Volumes::UserIds(const std::string& volume) {
  absl::StatusOr<ContainerList> all = containers_->List();
  if (!all.ok()) return {};
  return VolumeUserIds(all->records, volume);
}

absl::StatusOr<VolumeInfo> Volumes::Create(const VolumeCreateOptions& options) {
  VolumeCreateOptions o = options;
  if (o.name.empty()) {
    ASSIGN_OR_RETURN(o.name, NewId());
  }
  VolumeInfo info;
  ASSIGN_OR_RETURN(info.record, store_.Create(o));
  return info;
}

absl::StatusOr<VolumeInfo> Volumes::Inspect(const std::string& name) {
  VolumeInfo info;
  ASSIGN_OR_RETURN(info.record, store_.Get(name));
  info.containers = UserIds(name);
  return info;
}

absl::StatusOr<std::vector<VolumeInfo>> Volumes::List(
    const std::vector<std::string>& filters) {
  ASSIGN_OR_RETURN(VolumeFilters f,
                   ParseVolumeFilters(filters, VolumeFilterUse::kList));
  ASSIGN_OR_RETURN(VolumeList list, store_.List());
  ASSIGN_OR_RETURN(ContainerList containers, containers_->List());
  std::vector<VolumeInfo> out;
  for (VolumeRecord& v : list.volumes) {
    std::vector<std::string> ids = VolumeUserIds(containers.records, v.name);
    if (!VolumeMatches(f, v, !ids.empty())) continue;
    out.push_back(VolumeInfo{std::move(v), std::move(ids)});
  }
  return out;
}

absl::Status Volumes::Remove(const std::string& name, bool force) {
  return store_.Remove(name, force, UserNames());
}

absl::StatusOr<VolumePruneReport> Volumes::Prune(
    const std::vector<std::string>& filters) {
  ASSIGN_OR_RETURN(VolumeFilters f,
                   ParseVolumeFilters(filters, VolumeFilterUse::kPrune));
  ASSIGN_OR_RETURN(VolumeList list, store_.List());
  VolumeUsersFn users = UserNames();
  VolumePruneReport report;
  report.problems = std::move(list.problems);
  for (const VolumeRecord& v : list.volumes) {
    if (!f.all && !v.anonymous) continue;
    if (!VolumeMatches(f, v, /*in_use=*/false)) continue;
    if (!users(v).empty()) continue;
    absl::StatusOr<uint64_t> size = TreeSize(v.mountpoint);
    // Remove asks again under the volume's lock.
    absl::Status s = store_.Remove(v.name, /*force=*/false, users);
    if (s.ok()) {
      report.removed.push_back(v.name);
      report.space_reclaimed += size.value_or(0);
    } else if (!absl::IsNotFound(s) && !absl::IsFailedPrecondition(s)) {
      report.problems.push_back(s);
    }
  }
  return report;
}

absl::StatusOr<Volumes::Taken> Volumes::Take(const std::string& name,
                                             std::vector<std::string>* made) {
  for (int attempt = 0; attempt < kTakeAttempts; ++attempt) {
    VolumeCreateOptions create;
    create.name = name;
    absl::StatusOr<VolumeRecord> record = store_.Get(name);
    if (name.empty() || absl::IsNotFound(record.status())) {
      record = store_.Create(create);
      if (record.ok() && record->anonymous) made->push_back(record->name);
      if (absl::IsAlreadyExists(record.status())) continue;  // a race: again
    }
    if (!record.ok()) return record.status();
    absl::StatusOr<DirLock> hold = store_.Hold(record->name);
    if (absl::IsNotFound(hold.status())) continue;  // removed meanwhile
    if (!hold.ok()) return hold.status();
    return Taken{*std::move(record), *std::move(hold)};
  }
  return absl::AbortedError(absl::StrCat(
      "volume ", name, ": removed and made again by others ", kTakeAttempts,
      " times while this container took it; try again"));
}

absl::StatusOr<std::vector<container::Mount>> Volumes::PrepareMounts(
    const VolumeMountRequest& request, std::vector<std::string>* made) {
  std::vector<container::Mount> mounts = request.mounts;
  container::ImageConfig image;
  image.volumes = request.image_volumes;
  for (const std::string& dest :
       container::UncoveredImageVolumes(image, request.mounts)) {
    container::Mount m;
    m.type = container::MountType::kVolume;
    m.destination = dest;
    mounts.push_back(std::move(m));
  }

  std::vector<VolumeUse> uses;
  std::vector<bool> nocopy(mounts.size(), false);
  std::vector<DirLock> holds;
  for (size_t i = 0; i < mounts.size(); ++i) {
    container::Mount& m = mounts[i];
    if (m.type != container::MountType::kVolume) continue;
    nocopy[i] = TakeNocopy(m.options);
    const bool anonymous = m.volume_name.empty();
    ASSIGN_OR_RETURN(Taken taken, Take(m.volume_name, made));
    if (!taken.record.options.empty()) {
      return absl::UnimplementedError(absl::StrCat(
          "volume ", taken.record.name,
          " has options of the local driver (type, device, o), which crate "
          "does not mount yet"));
    }
    m.volume_name = taken.record.name;
    uses.push_back({m.volume_name, m.destination, anonymous});
    holds.push_back(std::move(taken.hold));
  }
  if (uses.empty()) return mounts;
  // Recorded before the holds go: from here, Remove sees the container.
  RETURN_IF_ERROR(containers_
                      ->Update(request.container_id,
                               [&](ContainerRecord& r) {
                                 SetVolumeUses(r, uses);
                                 return absl::OkStatus();
                               })
                      .status());
  holds.clear();

  for (size_t i = 0; i < mounts.size(); ++i) {
    container::Mount& m = mounts[i];
    if (m.type != container::MountType::kVolume) continue;
    ASSIGN_OR_RETURN(UniqueFd data, store_.OpenData(m.volume_name));
    m.source = store_.Mountpoint(m.volume_name);
    if (nocopy[i]) continue;
    absl::StatusOr<CopyUpResult> copied =
        CopyUp(request.rootfs, m.destination, data.get(), m.source);
    if (!copied.ok()) {
      return Annotate(copied.status(), absl::StrCat("copy ", m.destination,
                                                    " of the image "
                                                    "into volume ",
                                                    m.volume_name));
    }
  }
  return mounts;
}

void Volumes::DropMade(const std::vector<std::string>& made) {
  VolumeUsersFn users = UserNames();
  for (const std::string& name : made) {
    store_.Remove(name, /*force=*/false, users).IgnoreError();
  }
}

void Volumes::RemoveAnonymousOf(const ContainerRecord& removed) {
  VolumeUsersFn users = UserNames();
  for (const VolumeUse& u : VolumeUsesOf(removed)) {
    if (!u.anonymous) continue;
    store_.Remove(u.name, /*force=*/false, users).IgnoreError();
  }
}

}  // namespace crate::engine
