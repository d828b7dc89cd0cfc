#include "registry/images/image_service.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "registry/distribution/auth.h"
#include "registry/distribution/ingest_sink.h"
#include "registry/distribution/layer_pull.h"
#include "registry/distribution/registries_conf.h"
#include "registry/image/config.h"
#include "registry/image/manifest.h"
#include "registry/images/store_undo.h"
#include "registry/unpack/layer.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_lock.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

// Transient failures keep what the pull stored, so that trying again goes
// on from there; anything else is a refusal and is undone.
bool IsTransient(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) ||
         absl::IsAborted(s) || absl::IsCancelled(s);
}

void AppendUnique(std::vector<std::string>& to,
                  const std::vector<std::string>& from) {
  for (const std::string& s : from) {
    if (std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
  }
}

absl::StatusOr<Reference> ParseName(absl::string_view name) {
  ASSIGN_OR_RETURN(Reference ref, Reference::ParseDockerRef(name));
  if (!ref.has_tag() && !ref.has_digest()) ref = ref.WithDefaultTag();
  return ref;
}

// Fetches the manifest `ref` names from the first of the mirrors of its
// registry that has it, else from the registry itself; `host` is set to
// where it came from. Mirrors that fail are passed over: they are a cache,
// and the upstream still answers for the image.
absl::StatusOr<FetchedManifest> FetchTopManifest(RegistryClient& client,
                                                 const Reference& ref,
                                                 std::string& host) {
  const std::string reference = ref.has_digest() ? ref.digest()->ToString()
                                : ref.has_tag()  ? ref.tag()
                                                 : std::string(kDefaultTag);
  auto it = client.config().mirrors.find(ref.domain());
  if (it != client.config().mirrors.end()) {
    for (const std::string& mirror : it->second) {
      absl::StatusOr<FetchedManifest> m =
          client.GetManifest(mirror, ref.path(), reference);
      if (m.ok()) {
        host = mirror;
        return m;
      }
    }
  }
  host = ref.domain();
  return client.GetManifest(host, ref.path(), reference);
}

}  // namespace

absl::StatusOr<RegistryAccess> LoadRegistryAccess(const std::string& path) {
  ASSIGN_OR_RETURN(
      RegistriesConf conf,
      LoadRegistriesConf(path.empty() ? DefaultRegistriesConfPath() : path));
  return RegistryAccessFrom(std::move(conf));
}

RegistryAccess RegistryAccessFrom(RegistriesConf conf) {
  RegistryAccess access;
  access.certs_dir = conf.certs_dir;
  access.insecure_registries = std::move(conf.insecure_registries);
  access.mirrors = std::move(conf.mirrors);
  return access;
}

absl::StatusOr<std::unique_ptr<ImageService>> ImageService::Open(
    const std::string& root, RegistryAccess access) {
  RETURN_IF_ERROR(MakeDirs(root, 0700));
  ASSIGN_OR_RETURN(ContentStore content,
                   ContentStore::Open(JoinPath(root, "content")));
  ASSIGN_OR_RETURN(ImageStore images,
                   ImageStore::Open(JoinPath(root, "images")));
  ASSIGN_OR_RETURN(std::unique_ptr<SnapshotStore> snapshots,
                   SnapshotStore::Open(JoinPath(root, "snapshots")));
  RETURN_IF_ERROR(MakeDirs(JoinPath(root, "diffids"), 0700));
  RETURN_IF_ERROR(MakeDirs(JoinPath(root, "tmp"), 0700));
  return std::unique_ptr<ImageService>(
      new ImageService(root, std::move(access), std::move(content),
                       std::move(images), std::move(snapshots)));
}

absl::StatusOr<std::unique_ptr<RegistryClient>> ImageService::NewClient(
    const RegistryAccess& extra) const {
  RegistryConfig config;
  config.auth_files = extra.auth_files;
  AppendUnique(config.auth_files, access_.auth_files);
  if (config.auth_files.empty()) config.auth_files = {DockerConfigPath()};
  if (!extra.certs_dir.empty()) {
    config.certs_dir = extra.certs_dir;
  } else if (!access_.certs_dir.empty()) {
    config.certs_dir = access_.certs_dir;
  }
  config.insecure_registries = extra.insecure_registries;
  AppendUnique(config.insecure_registries, access_.insecure_registries);
  // Per-call mirrors replace the default list of a host rather than adding
  // to it, so that a caller can also turn a host's mirrors off.
  config.mirrors = access_.mirrors;
  for (const auto& [host, list] : extra.mirrors) config.mirrors[host] = list;
  return RegistryClient::Create(std::move(config));
}

namespace {

// The registry host as image names spell it, from what a user may type.
absl::StatusOr<std::string> RegistryHost(absl::string_view registry) {
  std::string host = absl::AsciiStrToLower(NormalizeAuthKey(registry));
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", registry, "\" is not a registry host"));
  }
  if (host == "index.docker.io" || host == "registry-1.docker.io") {
    host = "docker.io";
  }
  return host;
}

}  // namespace

std::string ImageService::AuthFile() const {
  return access_.auth_files.empty() ? DockerConfigPath()
                                    : access_.auth_files.front();
}

absl::Status ImageService::Login(absl::string_view registry,
                                 const std::string& username,
                                 const std::string& password,
                                 const std::string& auth_file,
                                 const RegistryAccess& access) {
  ASSIGN_OR_RETURN(std::string host, RegistryHost(registry));
  if (username.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("login to ", host, ": the user name is empty"));
  }
  Credentials creds;
  creds.username = username;
  creds.password = password;
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client, NewClient(access));
  absl::Status checked = client->CheckLogin(host, creds);
  if (!checked.ok()) {
    // Bearer registries refuse at their token server, whose message names
    // neither the login nor the user.
    if (absl::StartsWith(checked.message(), "login to ")) return checked;
    return Annotate(checked, absl::StrCat("login to ", host, " as user \"",
                                          username, "\""));
  }
  const std::string path = auth_file.empty() ? AuthFile() : auth_file;
  // Store is a read-modify-write of the whole file: two logins at once
  // would lose one entry.
  ASSIGN_OR_RETURN(FileLock lock,
                   FileLock::Acquire(JoinPath(root_, "auth.lock")));
  // docker's key for Docker Hub, so that docker and crate share the entry.
  const std::string key = host == "docker.io" ? kDockerHubAuthKey : host;
  return Annotate(CredentialStore::Store(path, key, creds),
                  absl::StrCat("login to ", host, ": storing credentials"));
}

absl::Status ImageService::Logout(absl::string_view registry,
                                  const std::string& auth_file) {
  ASSIGN_OR_RETURN(std::string host, RegistryHost(registry));
  const std::string path = auth_file.empty() ? AuthFile() : auth_file;
  ASSIGN_OR_RETURN(FileLock lock,
                   FileLock::Acquire(JoinPath(root_, "auth.lock")));
  if (host != "docker.io") return CredentialStore::Erase(path, host);
  // Docker Hub's entry may be under any of its names.
  bool erased = false;
  for (const char* name :
       {"index.docker.io", "docker.io", "registry-1.docker.io"}) {
    absl::Status s = CredentialStore::Erase(path, name);
    if (s.ok()) {
      erased = true;
    } else if (!absl::IsNotFound(s)) {
      return s;
    }
  }
  if (!erased) {
    return absl::NotFoundError(
        absl::StrCat("not logged in to docker.io (", path, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<PullResult> ImageService::Pull(absl::string_view reference,
                                              const PullOptions& options) {
  ASSIGN_OR_RETURN(Reference ref, ParseName(reference));
  const std::string name = ref.String();
  const std::string& repo = ref.path();
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client,
                   NewClient(options.access));
  // Where the image is fetched from: the first mirror that has the
  // manifest, else the registry the name says. Digests are checked the
  // same either way, so a mirror can withhold an image but not alter it.
  std::string host = ref.domain();
  const Platform platform =
      options.platform ? Normalize(*options.platform) : HostPlatform();
  absl::Mutex progress_mu;
  auto report = [&](const PullProgress& p) {
    if (!options.progress) return;
    absl::MutexLock l(&progress_mu);
    options.progress(p);
  };

  // Everything about the image is fetched and checked before the first
  // layer byte is asked for: a lying or malformed document costs nothing.
  ASSIGN_OR_RETURN(FetchedManifest top, FetchTopManifest(*client, ref, host));
  ASSIGN_OR_RETURN(Digest top_digest, Digest::Parse(top.digest));
  const std::string top_ctx =
      absl::StrCat("image ", name, ": manifest ", top.digest);
  ASSIGN_OR_RETURN(ManifestDocument doc,
                   ParseManifestDocument(top.bytes, top.media_type, top_ctx));
  absl::optional<FetchedManifest> chosen;
  Manifest manifest;
  Digest manifest_digest = top_digest;
  if (doc.index) {
    ASSIGN_OR_RETURN(Descriptor d,
                     SelectManifest(*doc.index, platform, top_ctx));
    ASSIGN_OR_RETURN(chosen,
                     client->GetManifest(host, repo, d.digest.ToString()));
    manifest_digest = d.digest;
    const std::string ctx =
        absl::StrCat("image ", name, ": manifest ", d.digest.ToString(), " (",
                     platform.ToString(), ")");
    ASSIGN_OR_RETURN(
        ManifestDocument pdoc,
        ParseManifestDocument(chosen->bytes, chosen->media_type, ctx));
    if (!pdoc.manifest) {
      return absl::InvalidArgumentError(
          absl::StrCat(ctx, ": an index entry is another index"));
    }
    manifest = *std::move(pdoc.manifest);
  } else {
    manifest = *std::move(doc.manifest);
  }
  const std::string mctx =
      absl::StrCat("image ", name, ": manifest ", manifest_digest.ToString());
  const Descriptor& cd = manifest.config;
  const std::string cctx =
      absl::StrCat("image ", name, ": config ", cd.digest.ToString());
  if (cd.size < 0 || static_cast<uint64_t>(cd.size) > kMaxConfigSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(cctx, ": size ", cd.size, " is out of bounds"));
  }
  StringSink config_sink;
  RETURN_IF_ERROR(Annotate(client->FetchBlob(host, repo, cd.digest.ToString(),
                                             cd.size, &config_sink),
                           absl::StrCat("image ", name)));
  ASSIGN_OR_RETURN(ImageConfig config,
                   ParseImageConfig(config_sink.data(), cctx));
  RETURN_IF_ERROR(CheckManifestMatchesConfig(manifest, config, mctx));
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    if (manifest.layers[i].size < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          mctx, ": layer ", i + 1, " (", manifest.layers[i].digest.ToString(),
          ") has a negative size"));
    }
  }
  const std::vector<Digest> chain_ids = ChainIds(config.diff_ids);
  report({PullProgress::Stage::kResolved, name, 0, manifest.layers.size(),
          manifest_digest.ToString()});

  ASSIGN_OR_RETURN(Lease lease, content_.AcquireLease());
  StoreUndo undo(content_, *snapshots_, LiveSets());
  RETURN_IF_ERROR(WriteNewBlob(content_, undo, top.bytes, top_digest,
                               absl::StrCat("manifest of ", name)));
  if (chosen) {
    RETURN_IF_ERROR(WriteNewBlob(content_, undo, chosen->bytes, manifest_digest,
                                 absl::StrCat("manifest of ", name)));
  }
  RETURN_IF_ERROR(WriteNewBlob(content_, undo, config_sink.data(), cd.digest,
                               absl::StrCat("config of ", name)));

  std::vector<LayerToPull> layers;
  // A layer whose snapshot exists is not unpacked again, so nothing would
  // check that the blob the manifest names for it really has its DiffID.
  std::vector<size_t> unchecked;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const Descriptor& l = manifest.layers[i];
    if (snapshots_->Exists(chain_ids[i].ToString())) {
      absl::optional<std::string> known = KnownDiffId(l.digest);
      if (!known) {
        unchecked.push_back(i);
      } else if (*known != config.diff_ids[i].ToString()) {
        return absl::DataLossError(absl::StrCat(
            "image ", name, ": layer ", i + 1, " (", l.digest.ToString(),
            "): uncompressed it hashes to ", *known,
            ", but the image config says ", config.diff_ids[i].ToString()));
      }
    }
    LayerToPull lp;
    lp.digest = l.digest.ToString();
    lp.size = l.size;
    lp.diff_id = config.diff_ids[i].ToString();
    lp.chain_id = chain_ids[i].ToString();
    lp.description = absl::StrCat("layer ", i + 1, " of image ", name);
    if (!content_.Has(l.digest)) undo.NoteBlob(l.digest);
    if (!snapshots_->Exists(lp.chain_id)) undo.NoteSnapshot(lp.chain_id);
    layers.push_back(std::move(lp));
  }
  std::atomic<size_t> done{0};
  auto done_layers = [&done]() -> size_t { return done.load(); };
  // Each layer is pulled by one thread, so its throttle needs no lock.
  struct ByteReports {
    absl::Time last = absl::InfinitePast();
    uint64_t done = 0;
  };
  std::vector<ByteReports> byte_reports(layers.size());
  auto report_bytes = [&](size_t i, uint64_t done) {
    const uint64_t total = static_cast<uint64_t>(layers[i].size);
    ByteReports& r = byte_reports[i];
    if (done <= r.done && r.last != absl::InfinitePast()) return;
    const absl::Time now = absl::Now();
    if (done < total && now - r.last < options.progress_interval) return;
    r.last = now;
    r.done = done;
    PullProgress p{PullProgress::Stage::kLayerBytes, name, done_layers(),
                   layers.size(), layers[i].digest};
    p.bytes_done = done;
    p.bytes_total = total;
    report(p);
  };
  if (options.progress) {
    for (size_t i = 0; i < layers.size(); ++i) {
      layers[i].on_bytes = [&report_bytes, i](uint64_t done) {
        report_bytes(i, done);
      };
    }
  }
  PullTarget target{client.get(), &content_, snapshots_.get(), host, repo};
  ImageUnpackBudget budget(name, options.max_image_bytes);
  ApplyOptions apply;
  apply.max_uncompressed_bytes = options.max_layer_bytes;
  apply.image_budget = &budget;
  std::vector<absl::Status> results(layers.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < layers.size(); i = next++) {
      results[i] = PullLayer(target, layers[i], apply);
      if (results[i].ok()) {
        // A blob stored already sent no bytes; its bar still ends full.
        if (options.progress) report_bytes(i, layers[i].size);
        PullProgress p{PullProgress::Stage::kLayerDone, name, ++done,
                       layers.size(), layers[i].digest};
        p.bytes_done = p.bytes_total = layers[i].size;
        report(p);
      }
    }
  };
  const size_t parallel = std::min<size_t>(layers.size(), 3);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < parallel; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : results) {
    if (s.ok()) continue;
    if (IsTransient(s)) undo.Commit();
    return Annotate(s, absl::StrCat("pull of ", name));
  }

  for (size_t i : unchecked) {
    const std::string what = absl::StrCat(
        "layer ", i + 1, " (", layers[i].digest, ") of image ", name);
    ASSIGN_OR_RETURN(std::string diff_id,
                     ComputeDiffId(manifest.layers[i].digest, what));
    if (diff_id != layers[i].diff_id) {
      return absl::DataLossError(
          absl::StrCat(what, ": uncompressed it hashes to ", diff_id,
                       ", but the image config says ", layers[i].diff_id));
    }
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    RETURN_IF_ERROR(RecordDiffId(manifest.layers[i].digest, layers[i].diff_id));
  }

  std::vector<Digest> platform_blobs;
  if (doc.index && options.all_platforms) {
    ASSIGN_OR_RETURN(platform_blobs,
                     StoreOtherPlatforms(
                         *client, host, repo, name, *doc.index, manifest_digest,
                         [&](const Digest& d) { undo.NoteBlob(d); }));
  }

  ASSIGN_OR_RETURN(Image image, LoadImage(content_, manifest_digest, name));
  if (doc.index) image.record.index_digest = top_digest;
  image.record.platform_blobs = std::move(platform_blobs);
  image.record.repo_digests = {ref.NameOnly().WithDigest(top_digest).String()};
  RETURN_IF_ERROR(images_.Put(image.record));
  if (ref.has_tag()) {
    RETURN_IF_ERROR(
        images_.Tag(ref.NameOnly().WithTag(ref.tag()), manifest_digest)
            .status());
  }
  undo.Commit();
  report({PullProgress::Stage::kRecorded, name, layers.size(), layers.size(),
          manifest_digest.ToString()});

  PullResult result;
  result.reference = ref;
  result.top_digest = top_digest;
  ASSIGN_OR_RETURN(result.record, images_.Get(manifest_digest));
  result.chain_ids = image.chain_ids;
  result.stats = client->stats();
  return result;
}

absl::StatusOr<std::vector<Digest>> ImageService::StoreOtherPlatforms(
    RegistryClient& client, const std::string& host, const std::string& repo,
    const std::string& name, const Index& index, const Digest& chosen,
    const std::function<void(const Digest&)>& added) {
  std::vector<Digest> blobs;
  auto fetch = [&](const Descriptor& d,
                   const std::string& what) -> absl::Status {
    if (content_.Has(d.digest)) return absl::OkStatus();
    RETURN_IF_ERROR(FetchToStore(client, content_, host, repo,
                                 d.digest.ToString(), d.size, what));
    added(d.digest);
    return absl::OkStatus();
  };
  for (const Descriptor& md : index.manifests) {
    if (md.digest == chosen) continue;
    const std::string ctx =
        absl::StrCat("image ", name, ": manifest ", md.digest.ToString(),
                     md.platform ? " (" + md.platform->ToString() + ")" : "");
    ASSIGN_OR_RETURN(FetchedManifest m,
                     client.GetManifest(host, repo, md.digest.ToString()));
    ASSIGN_OR_RETURN(ManifestDocument doc,
                     ParseManifestDocument(m.bytes, m.media_type, ctx));
    if (!doc.manifest) {
      return absl::InvalidArgumentError(
          absl::StrCat(ctx, ": an index entry is another index"));
    }
    if (!content_.Has(md.digest)) {
      RETURN_IF_ERROR(
          content_.WriteBlob(m.bytes, md.digest, "manifest of " + name)
              .status());
      added(md.digest);
    }
    blobs.push_back(md.digest);
    RETURN_IF_ERROR(fetch(doc.manifest->config, "config of " + ctx));
    blobs.push_back(doc.manifest->config.digest);
    for (size_t i = 0; i < doc.manifest->layers.size(); ++i) {
      const Descriptor& l = doc.manifest->layers[i];
      RETURN_IF_ERROR(fetch(l, absl::StrCat("layer ", i + 1, " of ", ctx)));
      blobs.push_back(l.digest);
    }
  }
  return blobs;
}

absl::optional<std::string> ImageService::KnownDiffId(
    const Digest& blob) const {
  absl::StatusOr<std::string> s =
      ReadFile(JoinPath(JoinPath(root_, "diffids"), blob.hex()), 256);
  if (!s.ok()) return absl::nullopt;
  return *s;
}

absl::Status ImageService::RecordDiffId(const Digest& blob,
                                        const std::string& diff_id) {
  if (KnownDiffId(blob) == diff_id) return absl::OkStatus();
  // Pulls in threads of one process record the same blob at once, so the
  // temporary file needs a name of its own, not one per process.
  const std::string path = JoinPath(JoinPath(root_, "diffids"), blob.hex());
  std::string tmp = path + ".XXXXXX";
  UniqueFd fd(mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return ErrnoStatus("mkostemp", tmp);
  absl::Status s;
  if (write(fd.get(), diff_id.data(), diff_id.size()) !=
          static_cast<ssize_t>(diff_id.size()) ||
      fchmod(fd.get(), 0644) != 0) {
    s = ErrnoStatus("write", tmp);
  } else if (rename(tmp.c_str(), path.c_str()) != 0) {
    s = ErrnoStatus("rename to " + path, tmp);
  }
  if (!s.ok()) unlink(tmp.c_str());
  return s;
}

StoreUndo::LiveFn ImageService::LiveSets() const {
  return [this]() -> StoreUndo::LiveFn::result_type {
    ASSIGN_OR_RETURN(absl::flat_hash_set<Digest> blobs, images_.LiveDigests());
    ASSIGN_OR_RETURN(absl::flat_hash_set<std::string> chains, LiveChainIds());
    return std::make_pair(std::move(blobs), std::move(chains));
  };
}

absl::StatusOr<absl::flat_hash_set<std::string>> ImageService::LiveChainIds()
    const {
  absl::flat_hash_set<std::string> live;
  ASSIGN_OR_RETURN(std::vector<ImageSummary> all, images_.List());
  for (const ImageSummary& s : all) {
    const Digest& cd = s.record.config_digest;
    ASSIGN_OR_RETURN(std::string body, content_.ReadBlob(cd, kMaxConfigSize));
    ASSIGN_OR_RETURN(
        ImageConfig config,
        ParseImageConfig(body, absl::StrCat("config ", cd.ToString())));
    for (const Digest& id : ChainIds(config.diff_ids)) {
      live.insert(id.ToString());
    }
  }
  return live;
}

absl::StatusOr<std::string> ImageService::ComputeDiffId(
    const Digest& blob, const std::string& what) {
  std::string dir = JoinPath(JoinPath(root_, "tmp"), "diffid-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) return ErrnoStatus("mkdtemp", dir);
  ApplyOptions options;
  options.layer_name = what;
  absl::StatusOr<ApplyResult> r = [&]() -> absl::StatusOr<ApplyResult> {
    ASSIGN_OR_RETURN(UniqueFd fd, content_.OpenBlob(blob));
    return ApplyLayerFromFd(fd.get(), JoinPath(dir, "fs"), options);
  }();
  RemoveTree(dir).IgnoreError();
  if (!r.ok()) return r.status();
  return r->diff_id;
}

absl::StatusOr<PushResult> ImageService::Push(absl::string_view name,
                                              absl::string_view destination,
                                              const PushOptions& options) {
  ASSIGN_OR_RETURN(ResolvedImage resolved, images_.Resolve(name));
  ASSIGN_OR_RETURN(Image image,
                   LoadImage(content_, resolved.record.manifest_digest, name));
  ASSIGN_OR_RETURN(Reference dest, ParseName(destination));
  const std::string& host = dest.domain();
  const std::string& repo = dest.path();
  const std::string what =
      absl::StrCat("push of ", name, " to ", dest.String());
  // A repository of the same registry that has the blobs already lets the
  // registry link them instead of receiving them again.
  std::string mount_from;
  for (const std::string& rd : resolved.record.repo_digests) {
    absl::StatusOr<Reference> r = Reference::ParseDockerRef(rd);
    if (r.ok() && r->domain() == host && r->path() != repo) {
      mount_from = r->path();
      break;
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RegistryClient> client,
                   NewClient(options.access));
  PushResult result;
  result.destination = dest;
  const std::string tag_or_digest =
      dest.has_tag() ? dest.tag() : dest.digest()->ToString();

  // One platform manifest: its blobs, then itself under `reference`.
  auto push_manifest = [&](const Digest& digest, const std::string& media_type,
                           const std::string& reference) -> absl::Status {
    ASSIGN_OR_RETURN(std::string bytes,
                     content_.ReadBlob(digest, kMaxManifestSize));
    const std::string ctx =
        absl::StrCat(what, ": manifest ", digest.ToString());
    ASSIGN_OR_RETURN(ManifestDocument doc,
                     ParseManifestDocument(bytes, media_type, ctx));
    if (!doc.manifest) {
      return absl::InvalidArgumentError(absl::StrCat(ctx, ": not a manifest"));
    }
    std::vector<Descriptor> blobs = doc.manifest->layers;
    blobs.insert(blobs.begin(), doc.manifest->config);
    for (size_t i = 0; i < blobs.size(); ++i) {
      const Descriptor& b = blobs[i];
      const std::string d = b.digest.ToString();
      ASSIGN_OR_RETURN(bool exists, client->BlobExists(host, repo, d));
      if (!exists) {
        ASSIGN_OR_RETURN(UniqueFd fd, content_.OpenBlob(b.digest));
        RETURN_IF_ERROR(
            Annotate(client->UploadBlobFromFd(host, repo, d, fd.get(), b.size,
                                              mount_from),
                     what));
        ++result.blobs_uploaded;
      }
      // Platforms of an index share layers: each is reported once.
      if (i > 0 && std::none_of(result.layers.begin(), result.layers.end(),
                                [&](const PushedLayer& l) {
                                  return l.digest == b.digest;
                                })) {
        result.layers.push_back(
            {b.digest, static_cast<uint64_t>(b.size), !exists});
      }
    }
    ASSIGN_OR_RETURN(std::string pushed,
                     client->PutManifest(host, repo, reference, bytes,
                                         doc.manifest->media_type));
    ++result.manifests_pushed;
    result.manifest_size = bytes.size();
    return Digest::Parse(pushed).status();
  };

  // LoadImage rebuilds the record from the blobs; where the image came from
  // is known only to the stored record.
  const absl::optional<Digest>& index_digest = resolved.record.index_digest;
  if (index_digest && !options.platform_only) {
    absl::StatusOr<std::pair<std::string, Index>> index =
        LocalIndex(*index_digest, name);
    if (index.ok()) {
      for (const Descriptor& m : index->second.manifests) {
        RETURN_IF_ERROR(
            push_manifest(m.digest, m.media_type, m.digest.ToString()));
      }
      ASSIGN_OR_RETURN(
          std::string pushed,
          client->PutManifest(host, repo, tag_or_digest, index->first,
                              index->second.media_type));
      ASSIGN_OR_RETURN(result.manifest_digest, Digest::Parse(pushed));
      result.manifest_size = index->first.size();
      result.pushed_index = true;
      return result;
    }
    result.note = absl::StrCat(
        "pushed platform ", image.record.platform, " only, not index ",
        index_digest->ToString(), ": ", index.status().message(),
        " (pull with all platforms to push the whole index)");
  }
  RETURN_IF_ERROR(push_manifest(image.record.manifest_digest,
                                image.record.manifest_media_type,
                                tag_or_digest));
  result.manifest_digest = image.record.manifest_digest;
  return result;
}

absl::StatusOr<std::pair<std::string, Index>> ImageService::LocalIndex(
    const Digest& digest, absl::string_view name) const {
  const std::string ctx =
      absl::StrCat("image ", name, ": index ", digest.ToString());
  ASSIGN_OR_RETURN(std::string bytes,
                   content_.ReadBlob(digest, kMaxManifestSize));
  ASSIGN_OR_RETURN(ManifestDocument doc, ParseManifestDocument(bytes, "", ctx));
  if (!doc.index) {
    return absl::InvalidArgumentError(absl::StrCat(ctx, ": not an index"));
  }
  for (const Descriptor& m : doc.index->manifests) {
    const std::string mctx =
        absl::StrCat(ctx, ": manifest ", m.digest.ToString(),
                     m.platform ? " (" + m.platform->ToString() + ")" : "");
    if (!content_.Has(m.digest)) {
      return absl::NotFoundError(absl::StrCat(mctx, " is not stored here"));
    }
    ASSIGN_OR_RETURN(std::string mbytes,
                     content_.ReadBlob(m.digest, kMaxManifestSize));
    ASSIGN_OR_RETURN(ManifestDocument mdoc,
                     ParseManifestDocument(mbytes, m.media_type, mctx));
    if (!mdoc.manifest) {
      return absl::InvalidArgumentError(
          absl::StrCat(mctx, ": an index entry is another index"));
    }
    std::vector<Descriptor> blobs = mdoc.manifest->layers;
    blobs.push_back(mdoc.manifest->config);
    for (const Descriptor& b : blobs) {
      if (!content_.Has(b.digest)) {
        return absl::NotFoundError(absl::StrCat(
            mctx, ": blob ", b.digest.ToString(), " is not stored here"));
      }
    }
  }
  return std::make_pair(std::move(bytes), *std::move(doc.index));
}

absl::StatusOr<std::vector<ImageSummary>> ImageService::List() const {
  return images_.List();
}

absl::StatusOr<ResolvedImage> ImageService::Resolve(
    absl::string_view name_or_id) const {
  return images_.Resolve(name_or_id);
}

absl::StatusOr<Image> ImageService::Inspect(
    absl::string_view name_or_id) const {
  ASSIGN_OR_RETURN(ResolvedImage resolved, images_.Resolve(name_or_id));
  ASSIGN_OR_RETURN(
      Image image,
      LoadImage(content_, resolved.record.manifest_digest, name_or_id));
  image.record = resolved.record;
  return image;
}

absl::Status ImageService::Tag(absl::string_view source,
                               absl::string_view target) {
  ASSIGN_OR_RETURN(ResolvedImage resolved, images_.Resolve(source));
  ASSIGN_OR_RETURN(Reference ref, Reference::ParseDockerRef(target));
  if (ref.has_digest()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tag ", target, ": a tag cannot be a digest"));
  }
  return images_.Tag(ref.WithDefaultTag(), resolved.record.manifest_digest)
      .status();
}

absl::StatusOr<RemoveReport> ImageService::Remove(absl::string_view name_or_id,
                                                  const RemoveOptions& options,
                                                  const ImageUsersFn& users) {
  ImageUsersFn none = [](const ImageRecord&) {
    return std::vector<std::string>();
  };
  return images_.Remove(name_or_id, options, users ? users : none);
}

absl::StatusOr<RemoveReport> ImageService::Prune(const PruneOptions& options,
                                                 const ImageUsersFn& users) {
  ImageUsersFn none = [](const ImageRecord&) {
    return std::vector<std::string>();
  };
  return images_.Prune(options, users ? users : none);
}

absl::StatusOr<ServiceGcReport> ImageService::GarbageCollect(
    const GcOptions& options) {
  ServiceGcReport report;
  // Snapshots are swept inside the mark step: it runs under the content
  // store's exclusive GC lock, which every pull holds shared from its first
  // blob until its image is recorded, so no snapshot of a running pull can
  // look unused here.
  auto mark = [&]() -> absl::StatusOr<absl::flat_hash_set<Digest>> {
    ASSIGN_OR_RETURN(absl::flat_hash_set<Digest> live, images_.LiveDigests());
    ASSIGN_OR_RETURN(absl::flat_hash_set<std::string> live_chains,
                     LiveChainIds());
    ASSIGN_OR_RETURN(std::vector<std::string> present, snapshots_->List());
    for (const std::string& id : present) {
      if (live_chains.contains(id)) continue;
      if (!options.dry_run) RETURN_IF_ERROR(snapshots_->Remove(id));
      report.removed_snapshots.push_back(id);
    }
    if (!options.dry_run) RETURN_IF_ERROR(snapshots_->CleanupTemporary());
    return live;
  };
  ASSIGN_OR_RETURN(report.content, content_.GarbageCollect(mark, options));
  if (!options.dry_run) {
    const std::string dir = JoinPath(root_, "diffids");
    ASSIGN_OR_RETURN(std::vector<std::string> known, ListDir(dir));
    for (const std::string& hex : known) {
      absl::StatusOr<Digest> d = Digest::Parse("sha256:" + hex);
      if (!d.ok() || !content_.Has(*d)) unlink(JoinPath(dir, hex).c_str());
    }
  }
  return report;
}

absl::StatusOr<ServiceVerifyReport> ImageService::Verify(bool remove_bad) {
  ServiceVerifyReport report;
  ASSIGN_OR_RETURN(report.content, content_.Verify(remove_bad));
  ASSIGN_OR_RETURN(std::vector<ImageSummary> all, images_.List());
  for (const ImageSummary& s : all) {
    const std::string name =
        s.tags.empty() ? s.record.manifest_digest.ToString() : s.tags.front();
    absl::StatusOr<Image> image =
        LoadImage(content_, s.record.manifest_digest, name);
    if (!image.ok()) {
      report.image_problems.push_back(
          absl::StrCat("image ", name, ": ", image.status().message()));
    }
  }
  return report;
}

absl::Status ImageService::EnsureSnapshots(const Image& image,
                                           absl::string_view name,
                                           const UnpackBounds& bounds,
                                           StoreUndo* undo) {
  // Snapshots removed since the pull are unpacked again here, and the
  // image's layers are bounded together as in a pull.
  ImageUnpackBudget budget{std::string(name), bounds.max_image_bytes};
  for (size_t i = 0; i < image.chain_ids.size(); ++i) {
    const std::string chain = image.chain_ids[i].ToString();
    if (snapshots_->Exists(chain)) continue;
    const Digest& blob = image.manifest.layers[i].digest;
    const std::string diff_id = image.config.diff_ids[i].ToString();
    ApplyOptions options;
    // ApplyLayer's errors say "layer <layer_name>: ...".
    options.layer_name =
        absl::StrCat(i + 1, " (", blob.ToString(), ") of image ", name);
    options.max_uncompressed_bytes = bounds.max_layer_bytes;
    options.image_budget = &budget;
    if (undo != nullptr) undo->NoteSnapshot(chain);
    RETURN_IF_ERROR(
        snapshots_
            ->Ensure(chain,
                     [&](const std::string& fs_dir) -> absl::Status {
                       ASSIGN_OR_RETURN(UniqueFd fd, content_.OpenBlob(blob));
                       ASSIGN_OR_RETURN(
                           ApplyResult r,
                           ApplyLayerFromFd(fd.get(), fs_dir, options));
                       if (r.diff_id != diff_id) {
                         return absl::DataLossError(absl::StrCat(
                             "layer ", options.layer_name,
                             ": uncompressed it hashes to ", r.diff_id,
                             ", but the image config says ", diff_id));
                       }
                       return RecordDiffId(blob, diff_id);
                     })
            .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<RootfsSpec> ImageService::PrepareRootfs(
    absl::string_view container_id, absl::string_view image_name,
    const RootfsOptions& options) {
  ASSIGN_OR_RETURN(Image image, Inspect(image_name));
  // Keeps GarbageCollect from removing a snapshot between the check that it
  // exists and the container's use of it.
  ASSIGN_OR_RETURN(Lease lease, content_.AcquireLease());
  RETURN_IF_ERROR(EnsureSnapshots(image, image_name));
  std::vector<std::string> chains;
  for (const Digest& d : image.chain_ids) chains.push_back(d.ToString());
  RootfsSpec spec;
  const std::string id(container_id);
  if (!options.force_copy && OverlaySupported()) {
    ASSIGN_OR_RETURN(spec.mount, snapshots_->Prepare(id, chains));
    spec.overlay = true;
    spec.path = spec.mount.target;
  } else {
    ASSIGN_OR_RETURN(spec.path, snapshots_->PrepareCopy(id, chains));
  }
  return spec;
}

absl::Status ImageService::ReleaseRootfs(absl::string_view container_id) {
  return snapshots_->Release(std::string(container_id));
}

}  // namespace crate::registry
