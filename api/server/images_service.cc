#include "api/server/images_service.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <set>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/engine/prune_filter.h"
#include "api/engine/tree_usage.h"
#include "api/server/service_events.h"
#include "api/server/status_convert.h"
#include "registry/archive/format.h"
#include "registry/image/image.h"
#include "registry/image/platform.h"
#include "runtime/base/errno_status.h"
#include "runtime/base/file_util.h"
#include "runtime/base/unique_fd.h"

namespace crate::server {
namespace {

int64_t UnixNanos(absl::Time t) {
  return t == absl::InfinitePast() ? 0 : absl::ToUnixNanos(t);
}

// docker's filters that List takes: reference=PATTERN (a prefix match of a
// tag, or its repository), dangling=true|false, label=KEY[=VALUE].
struct ImageFilter {
  std::vector<std::string> references;
  absl::optional<bool> dangling;
  std::vector<std::string> labels;
};

absl::StatusOr<ImageFilter> ParseImageFilters(
    const google::protobuf::RepeatedPtrField<std::string>& filters) {
  ImageFilter f;
  for (const std::string& raw : filters) {
    std::pair<std::string, std::string> kv = absl::StrSplit(raw, '=');
    if (kv.first == "reference") {
      f.references.push_back(raw.substr(raw.find('=') + 1));
    } else if (kv.first == "dangling" &&
               (kv.second == "true" || kv.second == "false")) {
      f.dangling = kv.second == "true";
    } else if (kv.first == "label" && !kv.second.empty()) {
      f.labels.push_back(raw.substr(raw.find('=') + 1));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("filters: \"", raw,
                       "\" is not one of reference=NAME, dangling=true|false, "
                       "label=KEY[=VALUE]"));
    }
  }
  return f;
}

bool MatchesReference(const std::vector<std::string>& tags,
                      const std::string& want) {
  for (const std::string& t : tags) {
    if (t == want || absl::StartsWith(t, want + ":") ||
        absl::EndsWith(t, "/" + want) ||
        absl::StrContains(t, "/" + want + ":")) {
      return true;
    }
  }
  return false;
}

}  // namespace

void ImagesService::Fill(const registry::ImageRecord& record,
                         const std::vector<std::string>& tags,
                         crate::v1::ImageSummary* out) const {
  out->set_id(record.config_digest.ToString());
  for (const std::string& t : tags) out->add_names(t);
  for (const std::string& d : record.repo_digests) out->add_digests(d);
  out->set_size_bytes(record.size);
  out->set_created_unix_nanos(UnixNanos(record.created));
  if (users_) {
    for (const std::string& c : users_(record)) out->add_containers(c);
  }
}

grpc::Status ImagesService::Pull(
    grpc::ServerContext* context, const crate::v1::PullImageRequest* request,
    grpc::ServerWriter<crate::v1::PullImageProgress>* writer) {
  registry::PullOptions options;
  if (!request->platform().empty()) {
    absl::StatusOr<registry::Platform> platform =
        registry::ParsePlatform(request->platform());
    if (!platform.ok()) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat("platform: ", platform.status().message())));
    }
    options.platform = *platform;
  }
  // The library reports from its pulling threads, one at a time; each
  // report becomes the whole picture so far, as docker shows it.
  std::mutex mu;
  std::map<std::string, crate::v1::LayerProgress> layers;
  std::vector<std::string> order;
  bool client_gone = false;
  options.progress = [&](const registry::PullProgress& p) {
    std::lock_guard<std::mutex> lock(mu);
    if (client_gone || p.detail.empty() ||
        p.stage == registry::PullProgress::Stage::kRecorded ||
        p.stage == registry::PullProgress::Stage::kResolved) {
      return;
    }
    if (!layers.count(p.detail)) order.push_back(p.detail);
    crate::v1::LayerProgress& l = layers[p.detail];
    l.set_digest(p.detail);
    l.set_bytes_done(p.bytes_done);
    l.set_bytes_total(p.bytes_total);
    l.set_state(p.stage == registry::PullProgress::Stage::kLayerDone
                    ? crate::v1::LayerProgress::DONE
                    : crate::v1::LayerProgress::DOWNLOADING);
    crate::v1::PullImageProgress msg;
    msg.set_reference(p.reference);
    for (const std::string& d : order) *msg.add_layers() = layers[d];
    if (!writer->Write(msg)) client_gone = true;
  };
  absl::StatusOr<registry::PullResult> result =
      images_->Pull(request->reference(), options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  crate::v1::PullImageProgress last;
  last.set_reference(result->reference.String());
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string& d : order) *last.add_layers() = layers[d];
  }
  std::vector<std::string> tags;
  if (result->reference.has_tag()) tags.push_back(result->reference.String());
  Fill(result->record, tags, last.mutable_image());
  writer->Write(last);
  TellImage(events_, "pull", result->reference.String(),
            result->reference.String());
  return grpc::Status::OK;
}

grpc::Status ImagesService::Push(grpc::ServerContext* context,
                                 const crate::v1::PushImageRequest* request,
                                 crate::v1::PushImageResponse* response) {
  std::string destination = request->destination().empty()
                                ? request->image()
                                : request->destination();
  absl::StatusOr<registry::PushResult> result =
      images_->Push(request->image(), destination);
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_digest(result->manifest_digest.ToString());
  response->set_blobs_uploaded(result->blobs_uploaded);
  response->set_manifest_size(result->manifest_size);
  for (const registry::PushedLayer& l : result->layers) {
    crate::v1::LayerProgress* layer = response->add_layers();
    layer->set_digest(l.digest.ToString());
    layer->set_bytes_done(l.size);
    layer->set_bytes_total(l.size);
    layer->set_state(l.uploaded ? crate::v1::LayerProgress::DONE
                                : crate::v1::LayerProgress::EXISTS);
  }
  TellImage(events_, "push", destination, destination);
  return grpc::Status::OK;
}

grpc::Status ImagesService::List(grpc::ServerContext* context,
                                 const crate::v1::ListImagesRequest* request,
                                 crate::v1::ListImagesResponse* response) {
  absl::StatusOr<ImageFilter> filter = ParseImageFilters(request->filters());
  if (!filter.ok()) return ToGrpcStatus(filter.status());
  absl::StatusOr<std::vector<registry::ImageSummary>> all = images_->List();
  if (!all.ok()) return ToGrpcStatus(all.status());
  for (const registry::ImageSummary& s : *all) {
    bool dangling = s.tags.empty();
    if (filter->dangling && *filter->dangling != dangling) continue;
    bool matches = filter->references.empty();
    for (const std::string& r : filter->references) {
      matches = matches || MatchesReference(s.tags, r);
    }
    if (!matches) continue;
    if (!filter->labels.empty()) {
      absl::StatusOr<registry::Image> image =
          images_->Inspect(s.record.manifest_digest.ToString());
      if (!image.ok()) continue;
      const auto& have = image->config.config.labels;
      bool all_labels = true;
      for (const std::string& l : filter->labels) {
        std::pair<std::string, std::string> kv = absl::StrSplit(l, '=');
        auto it = have.find(kv.first);
        all_labels =
            all_labels && it != have.end() &&
            (l.find('=') == std::string::npos || it->second == kv.second);
      }
      if (!all_labels) continue;
    }
    Fill(s.record, s.tags, response->add_images());
  }
  return grpc::Status::OK;
}

grpc::Status ImagesService::Inspect(
    grpc::ServerContext* context, const crate::v1::InspectImageRequest* request,
    crate::v1::InspectImageResponse* response) {
  absl::StatusOr<registry::Image> image = images_->Inspect(request->image());
  if (!image.ok()) return ToGrpcStatus(image.status());
  absl::StatusOr<std::vector<registry::ImageSummary>> all = images_->List();
  std::vector<std::string> tags;
  if (all.ok()) {
    for (const registry::ImageSummary& s : *all) {
      if (s.record.manifest_digest == image->record.manifest_digest) {
        tags = s.tags;
      }
    }
  }
  Fill(image->record, tags, response->mutable_summary());
  const registry::ImageConfig& c = image->config;
  response->set_os(c.platform.os);
  response->set_architecture(c.platform.architecture);
  for (const std::string& e : c.config.env) response->add_env(e);
  for (const std::string& e : c.config.entrypoint) response->add_entrypoint(e);
  for (const std::string& e : c.config.cmd) response->add_cmd(e);
  response->set_working_dir(c.config.working_dir);
  response->set_user(c.config.user);
  for (const std::string& p : c.config.exposed_ports) {
    response->add_exposed_ports(p);
  }
  for (const std::string& v : c.config.volumes) response->add_volumes(v);
  for (const registry::Digest& d : c.diff_ids) {
    response->add_layers(d.ToString());
  }
  for (const auto& [k, v] : c.config.labels) {
    (*response->mutable_summary()->mutable_labels())[k] = v;
  }
  response->set_manifest_digest(image->record.manifest_digest.ToString());
  return grpc::Status::OK;
}

grpc::Status ImagesService::Tag(grpc::ServerContext* context,
                                const crate::v1::TagImageRequest* request,
                                crate::v1::TagImageResponse* response) {
  absl::Status tagged = images_->Tag(request->source(), request->target());
  if (tagged.ok()) {
    absl::StatusOr<registry::Image> image = images_->Inspect(request->target());
    TellImage(
        events_, "tag",
        image.ok() ? image->record.config_digest.ToString() : request->source(),
        request->target());
  }
  return ToGrpcStatus(tagged);
}

grpc::Status ImagesService::Remove(grpc::ServerContext* context,
                                   const crate::v1::RemoveImageRequest* request,
                                   crate::v1::RemoveImageResponse* response) {
  registry::RemoveOptions options;
  options.force = request->force();
  absl::StatusOr<registry::RemoveReport> report =
      images_->Remove(request->image(), options, users_);
  if (!report.ok()) return ToGrpcStatus(report.status());
  for (const std::string& u : report->untagged) {
    response->add_untagged(u);
    TellImage(events_, "untag", request->image(), u);
  }
  for (const registry::Digest& d : report->deleted) {
    response->add_deleted(d.ToString());
    TellImage(events_, "delete", d.ToString(), d.ToString());
  }
  return grpc::Status::OK;
}

grpc::Status ImagesService::Prune(grpc::ServerContext* context,
                                  const crate::v1::PruneImagesRequest* request,
                                  crate::v1::PruneImagesResponse* response) {
  registry::PruneOptions options;
  options.all = request->all();
  // docker's image prune also takes dangling=: false means all.
  std::vector<std::string> filters;
  for (const std::string& f : request->filters()) {
    if (f == "dangling=false" || f == "dangling=true") {
      options.all = options.all || f == "dangling=false";
    } else {
      filters.push_back(f);
    }
  }
  absl::StatusOr<engine::PruneFilter> filter =
      engine::ParsePruneFilters(filters, absl::Now());
  if (!filter.ok()) return ToGrpcStatus(filter.status());
  absl::StatusOr<std::vector<registry::ImageSummary>> before = images_->List();
  if (!before.ok()) return ToGrpcStatus(before.status());
  // Decided before the prune locks the store: labels are in the configs.
  std::set<registry::Digest> selected;
  std::map<registry::Digest, std::string> ids;
  for (const registry::ImageSummary& s : *before) {
    ids[s.record.manifest_digest] = s.record.config_digest.ToString();
    std::map<std::string, std::string> labels;
    if (!filter->labels.empty() || !filter->not_labels.empty()) {
      absl::StatusOr<registry::Image> image =
          images_->Inspect(s.record.manifest_digest.ToString());
      if (!image.ok()) continue;
      labels = image->config.config.labels;
    }
    if (filter->Matches(s.record.created, labels)) {
      selected.insert(s.record.manifest_digest);
    }
  }
  options.selected = [&selected](const registry::ImageRecord& r) {
    return selected.count(r.manifest_digest) > 0;
  };
  absl::StatusOr<registry::RemoveReport> report =
      images_->Prune(options, users_);
  if (!report.ok()) return ToGrpcStatus(report.status());
  for (const std::string& u : report->untagged) {
    response->add_untagged(u);
    TellImage(events_, "untag", u, u);
  }
  for (const registry::Digest& d : report->deleted) {
    auto id = ids.find(d);
    response->add_deleted(id != ids.end() ? id->second : d.ToString());
    TellImage(events_, "delete",
              response->deleted(response->deleted_size() - 1),
              response->deleted(response->deleted_size() - 1));
  }
  // docker counts unpacked layers: the snapshots GC is about to take are
  // measured first (a dry run names them), then the blobs it frees added.
  uint64_t unpacked = 0;
  registry::GcOptions look;
  look.dry_run = true;
  absl::StatusOr<registry::ServiceGcReport> doomed =
      images_->GarbageCollect(look);
  if (doomed.ok()) {
    engine::TreeUsage counter;
    for (const std::string& chain : doomed->removed_snapshots) {
      absl::StatusOr<std::string> fs = images_->snapshots().FsDir(chain);
      if (!fs.ok()) continue;
      absl::StatusOr<uint64_t> bytes = counter.Add(*fs);
      if (bytes.ok()) unpacked += *bytes;
    }
  }
  absl::StatusOr<registry::ServiceGcReport> gc = images_->GarbageCollect();
  if (gc.ok()) {
    response->set_reclaimed_bytes(gc->content.bytes_freed + unpacked);
  }
  return grpc::Status::OK;
}

grpc::Status ImagesService::Login(grpc::ServerContext* context,
                                  const crate::v1::LoginRequest* request,
                                  crate::v1::LoginResponse* response) {
  return ToGrpcStatus(images_->Login(request->registry(), request->username(),
                                     request->password()));
}

grpc::Status ImagesService::Logout(grpc::ServerContext* context,
                                   const crate::v1::LogoutRequest* request,
                                   crate::v1::LogoutResponse* response) {
  return ToGrpcStatus(images_->Logout(request->registry()));
}

grpc::Status ImagesService::Load(
    grpc::ServerContext* context,
    grpc::ServerReader<crate::v1::LoadImageRequest>* reader,
    crate::v1::LoadImageResponse* response) {
  absl::Status made = MakeDirs(spool_dir_, 0700);
  if (!made.ok()) return ToGrpcStatus(made);
  std::string path = JoinPath(spool_dir_, "load-XXXXXX");
  UniqueFd fd(mkostemp(path.data(), O_CLOEXEC));
  if (!fd) return ToGrpcStatus(ErrnoStatus("make spool file in", spool_dir_));
  absl::Cleanup remove = [&path] { unlink(path.c_str()); };
  // The archive's own bound, so that a client cannot fill the disk before
  // the library looks at what it sent.
  const uint64_t limit = registry::kDefaultMaxArchiveBytes;
  uint64_t total = 0;
  crate::v1::LoadImageRequest chunk;
  while (reader->Read(&chunk)) {
    total += chunk.chunk().size();
    if (total > limit) {
      return ToGrpcStatus(absl::ResourceExhaustedError(
          absl::StrCat("the archive is larger than ", limit,
                       " bytes, the limit of a load")));
    }
    absl::Status w = WriteAll(fd.get(), chunk.chunk(), path);
    if (!w.ok()) return ToGrpcStatus(w);
  }
  if (context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
  fd.Reset();
  absl::StatusOr<registry::LoadResult> loaded = images_->Load(path);
  if (!loaded.ok()) return ToGrpcStatus(loaded.status());
  for (const registry::LoadedImage& image : loaded->images) {
    const std::string id = image.record.config_digest.ToString();
    if (image.tags.empty()) {
      response->add_loaded(id);
      TellImage(events_, "load", id, id);
    }
    for (const registry::Reference& tag : image.tags) {
      response->add_loaded(tag.String());
      TellImage(events_, "load", id, tag.String());
    }
  }
  return grpc::Status::OK;
}

grpc::Status ImagesService::Save(
    grpc::ServerContext* context, const crate::v1::SaveImageRequest* request,
    grpc::ServerWriter<crate::v1::SaveImageChunk>* writer) {
  if (request->images().empty()) {
    return ToGrpcStatus(
        absl::InvalidArgumentError("images: name at least one"));
  }
  absl::StatusOr<registry::ArchiveFormat> format = registry::ParseArchiveFormat(
      request->format().empty() ? "oci-archive" : request->format());
  if (!format.ok()) return ToGrpcStatus(format.status());
  absl::Status made = MakeDirs(spool_dir_, 0700);
  if (!made.ok()) return ToGrpcStatus(made);
  std::string path =
      JoinPath(spool_dir_,
               absl::StrCat("save-", absl::ToUnixNanos(absl::Now()), ".tar"));
  absl::Cleanup remove = [&path] { unlink(path.c_str()); };
  std::vector<std::string> names(request->images().begin(),
                                 request->images().end());
  absl::Status saved = images_->Save(names, *format, path);
  if (!saved.ok()) return ToGrpcStatus(saved);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ToGrpcStatus(ErrnoStatus("open", path));
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ToGrpcStatus(ErrnoStatus("read", path));
    if (n == 0) break;
    crate::v1::SaveImageChunk chunk;
    chunk.set_chunk(buf.data(), static_cast<size_t>(n));
    if (!writer->Write(chunk)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    }
  }
  return grpc::Status::OK;
}

}  // namespace crate::server
