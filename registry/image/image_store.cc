#include "registry/image/image_store.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_lock.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {

using Json = nlohmann::json;

struct ImageStore::State {
  std::map<std::string, ImageRecord> images;  // by manifest digest
  std::map<std::string, Digest> tags;         // full reference -> manifest
};

namespace {

constexpr int kStateVersion = 1;
constexpr size_t kMaxStateSize = 256 << 20;

std::string TimeToString(absl::Time t) {
  if (t == absl::InfinitePast()) return "";
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

absl::Time ParseTimeOrPast(const std::string& s) {
  absl::Time t;
  std::string err;
  if (s.empty() || !absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    return absl::InfinitePast();
  }
  return t;
}

Json RecordToJson(const ImageRecord& r) {
  Json layers = Json::array();
  for (size_t i = 0; i < r.layers.size(); ++i) {
    layers.push_back(
        {{"digest", r.layers[i].ToString()},
         {"size", i < r.layer_sizes.size() ? r.layer_sizes[i] : 0}});
  }
  Json j = {
      {"manifest_media_type", r.manifest_media_type},
      {"config", r.config_digest.ToString()},
      {"layers", layers},
      {"size", r.size},
      {"created", TimeToString(r.created)},
      {"platform", r.platform},
      {"added", TimeToString(r.added)},
      {"repo_digests", r.repo_digests},
  };
  if (r.index_digest) j["index"] = r.index_digest->ToString();
  if (!r.platform_blobs.empty()) {
    Json blobs = Json::array();
    for (const Digest& d : r.platform_blobs) blobs.push_back(d.ToString());
    j["platform_blobs"] = blobs;
  }
  return j;
}

absl::StatusOr<ImageRecord> RecordFromJson(const std::string& key,
                                           const Json& j) {
  ImageRecord r;
  ASSIGN_OR_RETURN(r.manifest_digest, Digest::Parse(key));
  r.manifest_media_type = j.value("manifest_media_type", "");
  ASSIGN_OR_RETURN(r.config_digest,
                   Digest::Parse(j.value("config", std::string())));
  for (const Json& l : j.value("layers", Json::array())) {
    ASSIGN_OR_RETURN(Digest d, Digest::Parse(l.value("digest", std::string())));
    r.layers.push_back(d);
    r.layer_sizes.push_back(l.value("size", uint64_t{0}));
  }
  if (j.contains("index")) {
    ASSIGN_OR_RETURN(r.index_digest,
                     Digest::Parse(j.value("index", std::string())));
  }
  for (const Json& b : j.value("platform_blobs", Json::array())) {
    ASSIGN_OR_RETURN(Digest d,
                     Digest::Parse(b.is_string() ? b.get<std::string>() : ""));
    r.platform_blobs.push_back(d);
  }
  r.size = j.value("size", uint64_t{0});
  r.created = ParseTimeOrPast(j.value("created", ""));
  r.platform = j.value("platform", "");
  r.added = ParseTimeOrPast(j.value("added", ""));
  r.repo_digests = j.value("repo_digests", std::vector<std::string>{});
  return r;
}

std::string ShortId(const Digest& d) { return d.hex().substr(0, 12); }

std::vector<std::string> TagsOf(const std::map<std::string, Digest>& tags,
                                const std::set<std::string>& keys) {
  std::vector<std::string> out;
  for (const auto& [ref, digest] : tags) {
    if (keys.count(digest.ToString())) out.push_back(ref);
  }
  return out;
}

// The repository name of "name@digest" or "name:tag", as Reference::Name.
std::string NameOfReference(const std::string& s) {
  auto r = Reference::Parse(s);
  return r.ok() ? r->Name() : "";
}

bool IsHexPrefix(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

struct Match {
  std::set<std::string> keys;     // manifest digests of the matched records
  absl::optional<Reference> tag;  // set when matched through a tag
  absl::optional<Reference> reference;
  bool by_id = false;
};

absl::StatusOr<Match> ResolveIn(
    const std::map<std::string, ImageRecord>& images,
    const std::map<std::string, Digest>& tags, absl::string_view input) {
  Match m;
  auto not_found = [&]() {
    return absl::NotFoundError(
        absl::StrCat("image \"", input, "\": not found"));
  };
  if (input.empty()) return not_found();
  // A full digest: a manifest, then an image ID.
  if (absl::StartsWith(input, "sha256:") && input.size() == 71) {
    if (auto d = Digest::Parse(input); d.ok()) {
      if (images.count(d->ToString())) {
        m.keys.insert(d->ToString());
        return m;
      }
    }
  }
  if (auto ref = Reference::Parse(input); ref.ok()) {
    if (ref->has_digest()) {
      const Digest& d = *ref->digest();
      std::string name = ref->Name();
      for (const auto& [key, record] : images) {
        bool digest_matches =
            record.manifest_digest == d ||
            (record.index_digest && *record.index_digest == d);
        if (!digest_matches) continue;
        bool name_matches = false;
        for (const std::string& rd : record.repo_digests) {
          if (NameOfReference(rd) == name) name_matches = true;
        }
        for (const std::string& t : TagsOf(tags, {key})) {
          if (NameOfReference(t) == name) name_matches = true;
        }
        if (name_matches) {
          m.keys.insert(key);
          m.reference = *ref;
          return m;
        }
      }
    } else {
      Reference tagged = ref->WithDefaultTag();
      auto it = tags.find(tagged.String());
      if (it != tags.end() && images.count(it->second.ToString())) {
        m.keys.insert(it->second.ToString());
        m.tag = tagged;
        m.reference = tagged;
        return m;
      }
    }
  }
  // A prefix of an image ID.
  absl::string_view prefix = input;
  if (absl::StartsWith(prefix, "sha256:")) prefix.remove_prefix(7);
  if (IsHexPrefix(prefix)) {
    std::set<std::string> ids;
    for (const auto& [key, record] : images) {
      if (absl::StartsWith(record.config_digest.hex(), prefix)) {
        ids.insert(record.config_digest.ToString());
        m.keys.insert(key);
      }
    }
    if (ids.size() > 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "image ID prefix \"", input, "\" is ambiguous: it matches ",
          absl::StrJoin(ids, ", ")));
    }
    if (ids.size() == 1) {
      m.by_id = true;
      return m;
    }
  }
  return not_found();
}

std::string Describe(const ImageRecord& r,
                     const std::vector<std::string>& tags) {
  std::string out = absl::StrCat("image ", ShortId(r.config_digest));
  if (!tags.empty()) {
    std::vector<std::string> familiar;
    for (const std::string& t : tags) {
      auto ref = Reference::Parse(t);
      familiar.push_back(ref.ok() ? ref->FamiliarString() : t);
    }
    absl::StrAppend(&out, " (", absl::StrJoin(familiar, ", "), ")");
  }
  return out;
}

}  // namespace

absl::StatusOr<ImageStore> ImageStore::Open(const std::string& root) {
  RETURN_IF_ERROR(MakeDirs(root, 0700));
  return ImageStore(JoinPath(root, "images.json"),
                    JoinPath(root, "images.lock"));
}

absl::StatusOr<ImageStore::State> ImageStore::Load() const {
  State state;
  auto data = ReadFile(state_path_, kMaxStateSize);
  if (absl::IsNotFound(data.status())) return state;
  if (!data.ok()) return data.status();
  auto corrupt = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat("image store ", state_path_, " is corrupt: ", why));
  };
  Json j = Json::parse(*data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return corrupt("malformed JSON");
  if (j.value("version", 0) != kStateVersion) {
    return corrupt(absl::StrCat("unknown version ", j.value("version", 0)));
  }
  try {
    // Named, not temporaries: items() refers into the object it iterates.
    const Json images = j.value("images", Json::object());
    const Json tags = j.value("tags", Json::object());
    for (const auto& [key, value] : images.items()) {
      auto record = RecordFromJson(key, value);
      if (!record.ok()) {
        return corrupt(
            absl::StrCat("image ", key, ": ", record.status().message()));
      }
      state.images[key] = *std::move(record);
    }
    for (const auto& [ref, value] : tags.items()) {
      auto d = Digest::Parse(value.get<std::string>());
      if (!d.ok()) {
        return corrupt(absl::StrCat("tag ", ref, ": ", d.status().message()));
      }
      state.tags[ref] = *d;
    }
  } catch (const Json::exception& e) {
    return corrupt(e.what());
  }
  return state;
}

absl::Status ImageStore::Save(const State& state) {
  Json images = Json::object();
  for (const auto& [key, record] : state.images) {
    images[key] = RecordToJson(record);
  }
  Json tags = Json::object();
  for (const auto& [ref, digest] : state.tags) tags[ref] = digest.ToString();
  Json j = {{"version", kStateVersion}, {"images", images}, {"tags", tags}};
  return WriteFileAtomic(state_path_, j.dump(1), 0600);
}

absl::Status ImageStore::Mutate(const std::function<absl::Status(State&)>& fn) {
  ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(lock_path_));
  // WriteFileAtomic's temporary files are only ever written under this
  // lock, so any found now were left by a writer that died.
  std::string dir = state_path_.substr(0, state_path_.rfind('/'));
  std::string tmp_prefix =
      state_path_.substr(state_path_.rfind('/') + 1) + ".tmp.";
  if (auto names = ListDir(dir); names.ok()) {
    for (const std::string& name : *names) {
      if (absl::StartsWith(name, tmp_prefix)) {
        ::unlink(JoinPath(dir, name).c_str());
      }
    }
  }
  ASSIGN_OR_RETURN(State state, Load());
  RETURN_IF_ERROR(fn(state));
  return Save(state);
}

absl::Status ImageStore::Put(const ImageRecord& record) {
  if (!record.manifest_digest.valid() || !record.config_digest.valid()) {
    return absl::InvalidArgumentError(
        "record image: manifest and config digests are required");
  }
  return Mutate([&](State& state) {
    std::string key = record.manifest_digest.ToString();
    ImageRecord merged = record;
    if (merged.added == absl::InfinitePast()) merged.added = absl::Now();
    auto it = state.images.find(key);
    if (it != state.images.end()) {
      if (it->second.added != absl::InfinitePast()) {
        merged.added = it->second.added;
      }
      // A pull of one platform does not forget the others an earlier pull
      // of the whole index stored.
      if (merged.platform_blobs.empty() &&
          merged.index_digest == it->second.index_digest) {
        merged.platform_blobs = it->second.platform_blobs;
      }
      for (const std::string& rd : it->second.repo_digests) {
        if (std::find(merged.repo_digests.begin(), merged.repo_digests.end(),
                      rd) == merged.repo_digests.end()) {
          merged.repo_digests.push_back(rd);
        }
      }
    }
    std::sort(merged.repo_digests.begin(), merged.repo_digests.end());
    state.images[key] = std::move(merged);
    return absl::OkStatus();
  });
}

absl::StatusOr<absl::optional<Digest>> ImageStore::Tag(
    const Reference& ref, const Digest& manifest_digest) {
  if (ref.has_digest()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tag ", ref.String(), ": refusing to create a tag with a digest"));
  }
  Reference tagged = ref.WithDefaultTag();
  absl::optional<Digest> previous;
  RETURN_IF_ERROR(Mutate([&](State& state) {
    if (!state.images.count(manifest_digest.ToString())) {
      return absl::NotFoundError(
          absl::StrCat("tag ", tagged.String(), ": image ",
                       manifest_digest.ToString(), " is not in the store"));
    }
    auto it = state.tags.find(tagged.String());
    if (it != state.tags.end()) previous = it->second;
    state.tags[tagged.String()] = manifest_digest;
    return absl::OkStatus();
  }));
  return previous;
}

absl::StatusOr<Digest> ImageStore::Untag(const Reference& ref) {
  Reference tagged = ref.WithDefaultTag();
  Digest removed;
  RETURN_IF_ERROR(Mutate([&](State& state) {
    auto it = state.tags.find(tagged.String());
    if (tagged.has_digest() || it == state.tags.end()) {
      return absl::NotFoundError(
          absl::StrCat("untag ", tagged.String(), ": no such tag"));
    }
    removed = it->second;
    state.tags.erase(it);
    return absl::OkStatus();
  }));
  return removed;
}

absl::StatusOr<ImageRecord> ImageStore::Get(
    const Digest& manifest_digest) const {
  ASSIGN_OR_RETURN(State state, Load());
  auto it = state.images.find(manifest_digest.ToString());
  if (it == state.images.end()) {
    return absl::NotFoundError(absl::StrCat(
        "image ", manifest_digest.ToString(), ": not in the image store"));
  }
  return it->second;
}

absl::StatusOr<ResolvedImage> ImageStore::Resolve(
    absl::string_view name_or_id) const {
  ASSIGN_OR_RETURN(State state, Load());
  ASSIGN_OR_RETURN(Match m, ResolveIn(state.images, state.tags, name_or_id));
  // Several manifests can share a config (one image pushed as Docker and as
  // OCI); prefer one that is tagged, then the first by digest.
  std::string chosen = *m.keys.begin();
  for (const std::string& key : m.keys) {
    if (!TagsOf(state.tags, {key}).empty()) {
      chosen = key;
      break;
    }
  }
  ResolvedImage out;
  out.record = state.images.at(chosen);
  out.reference = m.reference;
  return out;
}

absl::StatusOr<std::vector<ImageSummary>> ImageStore::List() const {
  ASSIGN_OR_RETURN(State state, Load());
  std::vector<ImageSummary> out;
  for (const auto& [key, record] : state.images) {
    ImageSummary s;
    s.record = record;
    s.tags = TagsOf(state.tags, {key});
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ImageSummary& a, const ImageSummary& b) {
                     if (a.record.created != b.record.created) {
                       return a.record.created > b.record.created;
                     }
                     return a.record.added > b.record.added;
                   });
  return out;
}

absl::StatusOr<RemoveReport> ImageStore::Remove(absl::string_view name_or_id,
                                                const RemoveOptions& options,
                                                const ImageUsersFn& users) {
  RemoveReport report;
  RETURN_IF_ERROR(Mutate([&](State& state) -> absl::Status {
    ASSIGN_OR_RETURN(Match m, ResolveIn(state.images, state.tags, name_or_id));
    std::vector<std::string> tags = TagsOf(state.tags, m.keys);
    std::vector<std::string> in_use;
    for (const std::string& key : m.keys) {
      if (!users) break;
      for (std::string& u : users(state.images.at(key))) {
        in_use.push_back(std::move(u));
      }
    }
    const ImageRecord& first = state.images.at(*m.keys.begin());
    auto untag = [&](const std::string& ref) {
      state.tags.erase(ref);
      report.untagged.push_back(ref);
    };
    auto delete_records = [&]() {
      for (const std::string& ref : tags) untag(ref);
      for (const std::string& key : m.keys) {
        report.deleted.push_back(state.images.at(key).manifest_digest);
        state.images.erase(key);
      }
    };
    if (m.tag) {
      // By tag: drop that tag; the image goes with its last one.
      if (tags.size() > 1) {
        untag(m.tag->String());
        return absl::OkStatus();
      }
      if (!in_use.empty()) {
        if (!options.force) {
          return absl::FailedPreconditionError(absl::StrCat(
              "cannot remove ", m.tag->FamiliarString(), ": ",
              Describe(first, tags), " is used by container(s) ",
              absl::StrJoin(in_use, ", "), " (force untags it anyway)"));
        }
        untag(m.tag->String());
        return absl::OkStatus();
      }
      delete_records();
      return absl::OkStatus();
    }
    if (!in_use.empty()) {
      if (!options.force) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot remove ", Describe(first, tags),
            ": it is used by container(s) ", absl::StrJoin(in_use, ", "),
            " (force untags it; it is removed once unused)"));
      }
      for (const std::string& ref : tags) untag(ref);
      return absl::OkStatus();
    }
    if (tags.size() > 1 && !options.force) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot remove ", Describe(first, tags),
          " by ID: it has several tags; remove them one by one or use force"));
    }
    delete_records();
    return absl::OkStatus();
  }));
  return report;
}

absl::StatusOr<RemoveReport> ImageStore::Prune(const PruneOptions& options,
                                               const ImageUsersFn& users) {
  RemoveReport report;
  RETURN_IF_ERROR(Mutate([&](State& state) {
    std::vector<std::string> doomed;
    for (const auto& [key, record] : state.images) {
      std::vector<std::string> tags = TagsOf(state.tags, {key});
      if (!tags.empty() && !options.all) continue;
      if (options.selected && !options.selected(record)) continue;
      if (users && !users(record).empty()) continue;
      doomed.push_back(key);
      for (const std::string& ref : tags) {
        state.tags.erase(ref);
        report.untagged.push_back(ref);
      }
    }
    for (const std::string& key : doomed) {
      report.deleted.push_back(state.images.at(key).manifest_digest);
      state.images.erase(key);
    }
    return absl::OkStatus();
  }));
  return report;
}

absl::StatusOr<absl::flat_hash_set<Digest>> ImageStore::LiveDigests() const {
  ASSIGN_OR_RETURN(State state, Load());
  absl::flat_hash_set<Digest> live;
  for (const auto& [key, record] : state.images) {
    live.insert(record.manifest_digest);
    live.insert(record.config_digest);
    if (record.index_digest) live.insert(*record.index_digest);
    for (const Digest& l : record.layers) live.insert(l);
    for (const Digest& b : record.platform_blobs) live.insert(b);
  }
  return live;
}

}  // namespace crate::registry
