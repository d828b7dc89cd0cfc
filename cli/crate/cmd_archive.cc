// crate load and crate save: image archives (docker save's format or an
// OCI layout in a tar) streamed to and from crated.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/crate/commands.h"
#include "cli/crate/image_names.h"

namespace crate::cli {
namespace {

struct LoadFlags {
  std::string input;  // empty: stdin
  bool quiet = false;
};

int Load(Context& ctx, const LoadFlags& f) {
  int fd = STDIN_FILENO;
  if (!f.input.empty()) {
    fd = open(f.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return PrintError(absl::StrCat("open ", f.input, ": ", strerror(errno)));
    }
  } else if (isatty(STDIN_FILENO)) {
    return PrintError(
        "requested load from stdin, but stdin is empty; use -i FILE or a pipe");
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  auto call = Client::Call(kNoDeadline);
  crate::v1::LoadImageResponse response;
  std::unique_ptr<grpc::ClientWriter<crate::v1::LoadImageRequest>> writer =
      (*client)->images().Load(call.get(), &response);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      call->TryCancel();
      return PrintError(absl::StrCat(
          "read ", f.input.empty() ? "stdin" : f.input, ": ", strerror(errno)));
    }
    if (n == 0) break;
    crate::v1::LoadImageRequest chunk;
    chunk.set_chunk(buf.data(), static_cast<size_t>(n));
    if (!writer->Write(chunk)) break;  // the service answered early: see Finish
  }
  if (fd != STDIN_FILENO) close(fd);
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return (*client)->Fail(s);
  for (const std::string& name : response.loaded()) {
    if (f.quiet) continue;
    std::printf("Loaded image: %s\n", ShortImageName(name).c_str());
  }
  return 0;
}

CLI::App* AddLoad(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<LoadFlags>();
  CLI::App* cmd = parent.add_subcommand(
      name,
      "Load an image from a tar archive (docker save's or an OCI layout)");
  SetUsage(cmd, "[OPTIONS]");
  cmd->add_option("-i,--input", f->input,
                  "Read from a tar archive file, instead of STDIN");
  cmd->add_flag("-q,--quiet", f->quiet, "Suppress the load output");
  OnRun(cmd, ctx, [&ctx, f] { return Load(ctx, *f); });
  return cmd;
}

struct SaveFlags {
  std::vector<std::string> images;
  std::string output;  // empty: stdout
  std::string format = "docker-archive";
};

int Save(Context& ctx, const SaveFlags& f) {
  if (f.output.empty() && isatty(STDOUT_FILENO)) {
    return PrintError(
        "cowardly refusing to save to a terminal. Use the -o flag or "
        "redirect");
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  // Written beside the destination and renamed into place, so a failed
  // save leaves no half archive under the name asked for.
  std::string tmp = f.output.empty() ? "" : f.output + ".crate-partial";
  int fd = STDOUT_FILENO;
  if (!tmp.empty()) {
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return PrintError(absl::StrCat("open ", tmp, ": ", strerror(errno)));
    }
  }
  crate::v1::SaveImageRequest request;
  for (const std::string& i : f.images) request.add_images(i);
  request.set_format(f.format);
  auto call = Client::Call(kNoDeadline);
  std::unique_ptr<grpc::ClientReader<crate::v1::SaveImageChunk>> reader =
      (*client)->images().Save(call.get(), request);
  crate::v1::SaveImageChunk chunk;
  std::string write_error;
  while (reader->Read(&chunk)) {
    const std::string& data = chunk.chunk();
    size_t done = 0;
    while (done < data.size() && write_error.empty()) {
      ssize_t n = write(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) write_error = strerror(errno);
      if (n > 0) done += static_cast<size_t>(n);
    }
    if (!write_error.empty()) {
      call->TryCancel();
      break;
    }
  }
  grpc::Status s = reader->Finish();
  bool synced = tmp.empty() || fsync(fd) == 0;
  if (fd != STDOUT_FILENO) close(fd);
  if (!write_error.empty() || !s.ok() || !synced) {
    if (!tmp.empty()) unlink(tmp.c_str());
    if (!write_error.empty()) {
      return PrintError(absl::StrCat(
          "write ", f.output.empty() ? "stdout" : tmp, ": ", write_error));
    }
    if (!s.ok()) return (*client)->Fail(s);
    return PrintError(absl::StrCat("fsync ", tmp, ": ", strerror(errno)));
  }
  if (!tmp.empty() && rename(tmp.c_str(), f.output.c_str()) != 0) {
    std::string why = strerror(errno);
    unlink(tmp.c_str());
    return PrintError(
        absl::StrCat("rename ", tmp, " to ", f.output, ": ", why));
  }
  return 0;
}

CLI::App* AddSave(CLI::App& parent, Context& ctx, const std::string& name) {
  auto f = std::make_shared<SaveFlags>();
  CLI::App* cmd = parent.add_subcommand(
      name,
      "Save one or more images to a tar archive (streamed to STDOUT by "
      "default)");
  SetUsage(cmd, "[OPTIONS] IMAGE [IMAGE...]");
  cmd->add_option("image", f->images, "Images by name or ID")->required();
  cmd->add_option("-o,--output", f->output,
                  "Write to a file, instead of STDOUT");
  cmd->add_option("--format", f->format,
                  "docker-archive (docker save's) or oci-archive")
      ->check(CLI::IsMember({"docker-archive", "oci-archive"}));
  OnRun(cmd, ctx, [&ctx, f] { return Save(ctx, *f); });
  return cmd;
}

}  // namespace

void AddArchiveCommands(const CommandGroups& g, Context& ctx) {
  AddLoad(*g.root, ctx, "load")->group(kCommandsGroup);
  AddSave(*g.root, ctx, "save")->group(kCommandsGroup);
  AddLoad(*g.image, ctx, "load")->group(kCommandsGroup);
  AddSave(*g.image, ctx, "save")->group(kCommandsGroup);
}

}  // namespace crate::cli
