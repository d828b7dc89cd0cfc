#include "runtime/shim/linux_container_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/optional.h"
#include "runtime/base/file_util.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/linux/container.h"
#include "runtime/oci/state.h"

namespace crate::shim {
namespace {

class LinuxOps : public ContainerOps {
 public:
  LinuxOps(std::string root, std::string id, std::string bundle)
      : root_(std::move(root)),
        id_(std::move(id)),
        bundle_(std::move(bundle)) {}

  absl::StatusOr<pid_t> Create(const std::array<int, 3>& stdio,
                               int console_fd) override {
    linux::CreateOptions o;
    o.root = root_;
    o.id = id_;
    o.bundle = bundle_;
    o.stdio = stdio;
    o.console_fd = console_fd;
    absl::StatusOr<pid_t> pid = linux::Create(o);
    if (pid.ok()) WatchOom();
    return pid;
  }

  absl::Status Start() override { return linux::Start(root_, id_); }

  absl::Status Kill(int signal, bool all) override {
    return linux::Kill(root_, id_, signal, all);
  }

  absl::StatusOr<pid_t> Exec(const nlohmann::json& process,
                             const std::array<int, 3>& stdio,
                             int console_fd) override {
    linux::ExecOptions o;
    o.root = root_;
    o.id = id_;
    o.process_json = process.dump();
    o.stdio = stdio;
    o.console_fd = console_fd;
    return linux::Exec(o);
  }

  absl::StatusOr<std::string> Status() override {
    absl::StatusOr<linux::ContainerRecord> r = linux::GetState(root_, id_);
    if (!r.ok()) return r.status();
    return std::string(oci::StatusName(r->state.status));
  }

  bool OomKilled() override {
    if (!oom_) return false;
    // cgroup v2: memory.events counts the kills; v1: the eventfd did.
    if (oom_->counters_changed) {
      absl::StatusOr<std::string> events =
          ReadFile(JoinPath(oom_->dir, "memory.events"));
      if (!events.ok()) return false;
      for (absl::string_view line : absl::StrSplit(*events, '\n')) {
        uint64_t n = 0;
        if (absl::ConsumePrefix(&line, "oom_kill ") &&
            absl::SimpleAtoi(line, &n)) {
          return n > 0;
        }
      }
      return false;
    }
    uint64_t count = 0;
    return oom_->event &&
           read(oom_->event.get(), &count, sizeof(count)) == sizeof(count) &&
           count > 0;
  }

  absl::Status Delete() override {
    oom_.reset();
    return linux::Delete(root_, id_, /*force=*/true);
  }

 private:
  // Taken at create: once the init has exited, the runtime no longer opens
  // the container's cgroup for Stats.
  void WatchOom() {
    absl::StatusOr<cgroups::OomWatch> w = linux::WatchOom(root_, id_);
    if (!w.ok()) return;
    oom_ = *std::move(w);
    // Never waited on: read without blocking at the end.
    if (oom_->event) {
      int flags = fcntl(oom_->event.get(), F_GETFL);
      fcntl(oom_->event.get(), F_SETFL, flags | O_NONBLOCK);
    }
  }

  std::string root_, id_, bundle_;
  absl::optional<cgroups::OomWatch> oom_;
};

}  // namespace

std::unique_ptr<ContainerOps> LinuxContainerOps(std::string root,
                                                std::string id,
                                                std::string bundle) {
  return std::make_unique<LinuxOps>(std::move(root), std::move(id),
                                    std::move(bundle));
}

}  // namespace crate::shim
