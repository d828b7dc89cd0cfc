// `crate inspect` output: what the API says about a container or an image,
// shaped as docker's inspect JSON (Id, State.Status, Config.Env, RepoTags,
// ...), so that `--format '{{.State.ExitCode}}'` and scripts written for
// docker read the same fields.
#ifndef CRATE_CLI_CRATE_INSPECT_JSON_H_
#define CRATE_CLI_CRATE_INSPECT_JSON_H_

#include "api/proto/crate/v1/containers.pb.h"
#include "api/proto/crate/v1/images.pb.h"
#include "cli/crate/format_template.h"

namespace crate::cli {

Json ContainerInspectJson(const crate::v1::InspectContainerResponse& c);
Json ImageInspectJson(const crate::v1::InspectImageResponse& image);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_INSPECT_JSON_H_
