// crate-image-archive: loads and saves image archives with ImageService, as
// `crate load` and `crate save` do, for debugging and for the end-to-end
// tests against skopeo:
//   crate-image-archive load [--name NAME] [--platform OS/ARCH[/VARIANT]]
//                            ARCHIVE ROOT
//   crate-image-archive save [--format oci-archive|docker-archive]
//                            --output FILE ROOT IMAGE...
// load prints what docker load prints: "Loaded image: <name>" per name, or
// "Loaded image ID: <id>" for an image without one.
#include <iostream>
#include <string>
#include <vector>

#include "registry/images/image_service.h"
#include "runtime/base/status_macros.h"

namespace crate::registry {
namespace {

constexpr char kUsage[] =
    "usage: crate-image-archive load [--name NAME] [--platform "
    "OS/ARCH[/VARIANT]] ARCHIVE ROOT\n"
    "       crate-image-archive save [--format oci-archive|docker-archive] "
    "--output FILE ROOT IMAGE...";

absl::Status Load(const std::vector<std::string>& args) {
  LoadOptions options;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--name" && i + 1 < args.size()) {
      options.name = args[++i];
    } else if (args[i] == "--platform" && i + 1 < args.size()) {
      ASSIGN_OR_RETURN(options.platform, ParsePlatform(args[++i]));
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.size() != 2) return absl::InvalidArgumentError(kUsage);
  ASSIGN_OR_RETURN(std::unique_ptr<ImageService> service,
                   ImageService::Open(rest[1]));
  ASSIGN_OR_RETURN(LoadResult result, service->Load(rest[0], options));
  for (const LoadedImage& image : result.images) {
    for (const Reference& tag : image.tags) {
      std::cout << "Loaded image: " << tag.String() << "\n";
    }
    if (image.tags.empty()) {
      std::cout << "Loaded image ID: " << image.record.config_digest << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status Save(const std::vector<std::string>& args) {
  ArchiveFormat format = ArchiveFormat::kOciArchive;
  std::string output;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format" && i + 1 < args.size()) {
      ASSIGN_OR_RETURN(format, ParseArchiveFormat(args[++i]));
    } else if ((args[i] == "--output" || args[i] == "-o") &&
               i + 1 < args.size()) {
      output = args[++i];
    } else {
      rest.push_back(args[i]);
    }
  }
  if (output.empty() || rest.size() < 2) {
    return absl::InvalidArgumentError(kUsage);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ImageService> service,
                   ImageService::Open(rest[0]));
  return service->Save(std::vector<std::string>(rest.begin() + 1, rest.end()),
                       format, output);
}

absl::Status Run(const std::vector<std::string>& args) {
  if (args.empty()) return absl::InvalidArgumentError(kUsage);
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "load") return Load(rest);
  if (args[0] == "save") return Save(rest);
  return absl::InvalidArgumentError(kUsage);
}

}  // namespace
}  // namespace crate::registry

int main(int argc, char** argv) {
  absl::Status s =
      crate::registry::Run(std::vector<std::string>(argv + 1, argv + argc));
  if (!s.ok()) {
    std::cerr << "crate-image-archive: " << s.message() << "\n";
    return absl::IsInvalidArgument(s) ? 2 : 1;
  }
  return 0;
}
