// runc's "intel_rdt" member of a stats event, from a container's resctrl
// group statistics (runc's field names, so tools reading runc's events
// read these).
#ifndef CRATE_CLI_CRATE_RUNTIME_INTEL_RDT_JSON_H_
#define CRATE_CLI_CRATE_RUNTIME_INTEL_RDT_JSON_H_

#include <nlohmann/json.hpp>

#include "runtime/resctrl/resctrl.h"

namespace crate::cli {

nlohmann::ordered_json IntelRdtJson(const resctrl::Stats& stats);

}  // namespace crate::cli

#endif  // CRATE_CLI_CRATE_RUNTIME_INTEL_RDT_JSON_H_
