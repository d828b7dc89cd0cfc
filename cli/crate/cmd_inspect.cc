// inspect, container inspect, image inspect: docker-shaped JSON, or a
// --format template applied to each object.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/crate/commands.h"
#include "cli/crate/format_template.h"
#include "cli/crate/inspect_json.h"

namespace crate::cli {
namespace {

enum class Kind { kAny, kContainer, kImage };

struct InspectFlags {
  std::vector<std::string> names;
  std::string format;
  std::string type;  // inspect --type
  Kind kind = Kind::kAny;
};

grpc::Status InspectContainer(Client& client, const std::string& name,
                              Json* out) {
  crate::v1::InspectContainerRequest request;
  request.set_container(name);
  crate::v1::InspectContainerResponse response;
  auto call = Client::Call();
  grpc::Status s = client.containers().Inspect(call.get(), request, &response);
  if (s.ok()) *out = ContainerInspectJson(response);
  return s;
}

grpc::Status InspectImage(Client& client, const std::string& name, Json* out) {
  crate::v1::InspectImageRequest request;
  request.set_image(name);
  crate::v1::InspectImageResponse response;
  auto call = Client::Call();
  grpc::Status s = client.images().Inspect(call.get(), request, &response);
  if (s.ok()) *out = ImageInspectJson(response);
  return s;
}

int Inspect(Context& ctx, const InspectFlags& f) {
  Kind kind = f.kind;
  if (f.type == "container") kind = Kind::kContainer;
  if (f.type == "image") kind = Kind::kImage;
  if (!f.type.empty() && kind == Kind::kAny) {
    return PrintError(
        absl::StrCat("--type ", f.type, ": expected container or image"));
  }
  std::optional<FormatTemplate> tmpl;
  if (KindOf(f.format) == OutputKind::kTemplate) {
    absl::StatusOr<FormatTemplate> parsed =
        FormatTemplate::Parse(f.format, /*strict=*/false);
    if (!parsed.ok()) return PrintError(parsed.status().message());
    tmpl = *std::move(parsed);
  }
  absl::StatusOr<Client*> client = ctx.client();
  if (!client.ok()) return PrintError(client.status().message());
  Json found = Json::array();
  std::vector<std::string> errors;
  for (const std::string& name : f.names) {
    Json object;
    grpc::Status s(grpc::StatusCode::NOT_FOUND, "");
    if (kind != Kind::kImage) s = InspectContainer(**client, name, &object);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND &&
        kind != Kind::kContainer) {
      s = InspectImage(**client, name, &object);
    }
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      const char* what = kind == Kind::kContainer ? "container"
                         : kind == Kind::kImage   ? "image"
                                                  : "object";
      errors.push_back(absl::StrCat("No such ", what, ": ", name));
    } else if (!s.ok()) {
      errors.push_back((*client)->ErrorText(s));
    } else {
      found.push_back(std::move(object));
    }
  }
  if (tmpl) {
    for (const Json& object : found) {
      absl::StatusOr<std::string> line = tmpl->Render(object);
      if (!line.ok()) return PrintError(line.status().message());
      std::printf("%s\n", line->c_str());
    }
  } else {
    std::printf("%s\n", found.dump(4).c_str());
  }
  int rc = 0;
  for (const std::string& e : errors) rc = PrintError(e);
  return rc;
}

CLI::App* AddInspect(CLI::App& parent, Context& ctx, const std::string& name,
                     Kind kind, const std::string& help) {
  auto f = std::make_shared<InspectFlags>();
  f->kind = kind;
  CLI::App* cmd = parent.add_subcommand(name, help);
  SetUsage(cmd, kind == Kind::kImage ? "[OPTIONS] IMAGE [IMAGE...]"
                : kind == Kind::kContainer
                    ? "[OPTIONS] CONTAINER [CONTAINER...]"
                    : "[OPTIONS] NAME|ID [NAME|ID...]");
  cmd->add_option("name", f->names, "Names or IDs")->required();
  cmd->add_option("-f,--format", f->format,
                  "Format output using a custom template ('json', or a "
                  "template such as '{{.State.Status}}')");
  if (kind == Kind::kAny) {
    cmd->add_option("--type", f->type,
                    "Only inspect objects of this type (container, image)");
  }
  OnRun(cmd, ctx, [&ctx, f] { return Inspect(ctx, *f); });
  return cmd;
}

}  // namespace

void AddInspectCommands(const CommandGroups& g, Context& ctx) {
  AddInspect(*g.root, ctx, "inspect", Kind::kAny,
             "Return low-level information on containers or images")
      ->group(kCommandsGroup);
  AddInspect(*g.container, ctx, "inspect", Kind::kContainer,
             "Display detailed information on one or more containers")
      ->group(kCommandsGroup);
  AddInspect(*g.image, ctx, "inspect", Kind::kImage,
             "Display detailed information on one or more images")
      ->group(kCommandsGroup);
}

}  // namespace crate::cli
