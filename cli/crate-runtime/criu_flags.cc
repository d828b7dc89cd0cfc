#include "cli/crate-runtime/criu_flags.h"

#include "absl/strings/str_cat.h"

namespace crate::cli {

void AddCriuCommonFlags(Flags& flags, criu::CommonOptions* o,
                        CriuCommonFlags* extra) {
  flags.String("work-path", &o->work_path,
               "path for saving work files and logs");
  flags.Bool("tcp-established", &o->tcp_established,
             "allow open tcp connections");
  flags.Bool("ext-unix-sk", &o->ext_unix_sk, "allow external unix sockets");
  flags.Bool("shell-job", &o->shell_job, "allow shell jobs");
  flags.Bool("file-locks", &o->file_locks, "handle file locks, for safety");
  flags.String("manage-cgroups-mode", &o->manage_cgroups_mode,
               "cgroups mode: soft|full|strict|ignore (default: soft)");
  flags.Bool("auto-dedup", &o->auto_dedup,
             "enable auto deduplication of memory images");
  flags.StringList("empty-ns", &extra->empty_ns,
                   "create a namespace, but don't restore its properties "
                   "(network: always)");
  flags.Bool("lazy-pages", &extra->lazy_pages, "(not supported)");
}

absl::Status CheckCriuCommonFlags(const CriuCommonFlags& extra) {
  for (const std::string& ns : extra.empty_ns) {
    if (ns != "network") {
      return absl::InvalidArgumentError(
          absl::StrCat("--empty-ns: namespace \"", ns, "\" is not supported"));
    }
  }
  return absl::OkStatus();
}

}  // namespace crate::cli
