// pull, images, rmi, tag (and image pull/ls/rm/tag).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/crate/commands.h"
#include "cli/crate/image_names.h"
#include "cli/crate/image_rows.h"
#include "cli/crate/pull_progress.h"
#include "cli/crate/row_output.h"

namespace crate::cli {
namespace {

struct PullFlags {
  std::string image;
  bool quiet = false;
  std::string platform;
};

int Pull(Context& ctx, const PullFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  PullDisplay display;
  display.quiet = f.quiet;
  display.terminal = isatty(STDOUT_FILENO);
  grpc::Status s = PullImage(**client, f.image, f.platform, display, stdout);
  if (!s.ok()) return (*client)->Fail(s);
  return 0;
}

CLI::App* AddPull(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<PullFlags>();
  CLI::App* cmd =
      parent.add_subcommand(name, "Download an image from a registry");
  SetUsage(cmd, "[OPTIONS] NAME[:TAG|@DIGEST]");
  cmd->add_option("image", f->image, "The image")->required();
  cmd->add_flag("-q,--quiet", f->quiet, "Suppress verbose output");
  cmd->add_option("--platform", f->platform,
                  "Set platform if server is multi-platform capable");
  OnRun(cmd, ctx, [&ctx, f] { return Pull(ctx, *f); });
  return cmd;
}

struct ImagesFlags {
  std::string repository;
  bool all = false;
  bool quiet = false;
  bool digests = false;
  bool no_trunc = false;
  std::vector<std::string> filters;
  std::string format;
};

int Images(Context& ctx, const ImagesFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::ListImagesRequest request;
  request.set_all(f.all);
  for (const std::string& filter : f.filters) request.add_filters(filter);
  if (!f.repository.empty()) request.add_filters("reference=" + f.repository);
  crate::v1::ListImagesResponse response;
  auto call = Client::Call();
  grpc::Status s = (*client)->images().List(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  std::vector<crate::v1::ImageSummary> images(response.images().begin(),
                                              response.images().end());
  // The service selects images; docker shows only their names that match.
  if (!f.repository.empty()) {
    for (crate::v1::ImageSummary& image : images) {
      std::vector<std::string> names;
      for (const std::string& n : image.names()) {
        if (NameMatches(n, f.repository)) names.push_back(n);
      }
      image.clear_names();
      for (std::string& n : names) image.add_names(std::move(n));
    }
  }
  // Newest first, as docker lists them.
  std::stable_sort(images.begin(), images.end(),
                   [](const auto& a, const auto& b) {
                     return a.created_unix_nanos() > b.created_unix_nanos();
                   });
  if (f.quiet) {
    std::set<std::string> seen;
    for (const crate::v1::ImageSummary& image : images) {
      std::string id = f.no_trunc ? image.id() : ShortId(image.id());
      if (seen.insert(id).second) std::printf("%s\n", id.c_str());
    }
    return 0;
  }
  absl::Time now = absl::Now();
  std::vector<Json> rows;
  for (const crate::v1::ImageSummary& image : images) {
    for (Json& row : ImageRows(image, now, !f.no_trunc))
      rows.push_back(std::move(row));
  }
  absl::StatusOr<std::string> out = RenderRows(
      rows, f.format, f.digests ? kImagesTableWithDigests : kImagesTable,
      ImageHeaders());
  if (!out.ok()) return PrintError(out.status().message());
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

CLI::App* AddImages(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<ImagesFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "List images");
  SetUsage(cmd, "[OPTIONS] [REPOSITORY[:TAG]]");
  cmd->add_option("repository", f->repository,
                  "Only images of this repository");
  cmd->add_flag("-a,--all", f->all,
                "Show all images (default hides intermediate images)");
  cmd->add_flag("-q,--quiet", f->quiet, "Only show image IDs");
  cmd->add_flag("--digests", f->digests, "Show digests");
  cmd->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  cmd->add_option("-f,--filter", f->filters,
                  "Filter output based on conditions provided (reference=, "
                  "dangling=, label=)")
      ->allow_extra_args(false);
  cmd->add_option("--format", f->format,
                  "Format output using a custom template: 'table', 'table "
                  "TEMPLATE', 'json', 'TEMPLATE'");
  OnRun(cmd, ctx, [&ctx, f] { return Images(ctx, *f); });
  return cmd;
}

struct RmiFlags {
  std::vector<std::string> images;
  bool force = false;
};

int Rmi(Context& ctx, const RmiFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  int rc = 0;
  for (const std::string& image : f.images) {
    crate::v1::RemoveImageRequest request;
    request.set_image(image);
    request.set_force(f.force);
    crate::v1::RemoveImageResponse response;
    auto call = Client::Call();
    grpc::Status s = (*client)->images().Remove(call.get(), request, &response);
    if (!s.ok()) {
      rc = (*client)->Fail(s);
      continue;
    }
    for (const std::string& u : response.untagged()) {
      std::printf("Untagged: %s\n", ShortImageName(u).c_str());
    }
    for (const std::string& d : response.deleted()) {
      std::printf("Deleted: %s\n", d.c_str());
    }
  }
  return rc;
}

CLI::App* AddRmi(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<RmiFlags>();
  CLI::App* cmd = parent.add_subcommand(name, "Remove one or more images");
  SetUsage(cmd, "[OPTIONS] IMAGE [IMAGE...]");
  cmd->add_option("image", f->images, "Images by name, ID or name@digest")
      ->required();
  cmd->add_flag("-f,--force", f->force, "Force removal of the image");
  OnRun(cmd, ctx, [&ctx, f] { return Rmi(ctx, *f); });
  return cmd;
}

struct TagFlags {
  std::string source;
  std::string target;
};

int Tag(Context& ctx, const TagFlags& f) {
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  crate::v1::TagImageRequest request;
  request.set_source(f.source);
  request.set_target(f.target);
  crate::v1::TagImageResponse response;
  auto call = Client::Call();
  grpc::Status s = (*client)->images().Tag(call.get(), request, &response);
  if (!s.ok()) return (*client)->Fail(s);
  return 0;
}

CLI::App* AddTag(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<TagFlags>();
  CLI::App* cmd = parent.add_subcommand(
      name, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
  SetUsage(cmd, "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]");
  cmd->add_option("source", f->source, "The image to tag")->required();
  cmd->add_option("target", f->target, "The new name")->required();
  OnRun(cmd, ctx, [&ctx, f] { return Tag(ctx, *f); });
  return cmd;
}

}  // namespace

void AddImageCommands(const CommandGroups& g, Context& ctx) {
  AddPull(*g.root, ctx, "pull")->group(kCommonGroup);
  AddImages(*g.root, ctx, "images")->group(kCommonGroup);
  AddRmi(*g.root, ctx, "rmi")->group(kCommandsGroup);
  AddTag(*g.root, ctx, "tag")->group(kCommandsGroup);
  AddPull(*g.image, ctx, "pull")->group(kCommandsGroup);
  AddImages(*g.image, ctx, "ls")->alias("list")->group(kCommandsGroup);
  AddRmi(*g.image, ctx, "rm")->alias("remove")->group(kCommandsGroup);
  AddTag(*g.image, ctx, "tag")->group(kCommandsGroup);
}

}  // namespace crate::cli
