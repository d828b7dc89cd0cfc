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
#include "runtime/base/status_macros.h"
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
    absl::StatusOr<linux::Container> c = linux::Container::Create(o);
    if (!c.ok()) return c.status();
    container_ = *std::move(c);
    WatchOom();
    return container_->init_pid();
  }

  absl::Status Start() override {
    ASSIGN_OR_RETURN(linux::Container * c, Created());
    return c->Start();
  }

  absl::Status Kill(int signal, bool all) override {
    ASSIGN_OR_RETURN(linux::Container * c, Created());
    return c->Kill(signal, all);
  }

  absl::StatusOr<pid_t> Exec(const nlohmann::json& process,
                             const std::array<int, 3>& stdio,
                             int console_fd) override {
    ASSIGN_OR_RETURN(linux::Container * c, Created());
    linux::ExecOptions o;
    o.process_json = process.dump();
    o.stdio = stdio;
    o.console_fd = console_fd;
    return c->Exec(o);
  }

  absl::StatusOr<std::string> Status() override {
    ASSIGN_OR_RETURN(linux::Container * c, Created());
    ASSIGN_OR_RETURN(linux::ContainerRecord r, c->State());
    return std::string(oci::StatusName(r.state.status));
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
    // Without a Container, Create failed and left nothing.
    if (!container_) return absl::OkStatus();
    return container_->Delete(/*force=*/true);
  }

 private:
  absl::StatusOr<linux::Container*> Created() {
    if (!container_) {
      return absl::FailedPreconditionError(
          absl::StrCat("container \"", id_, "\" was not created"));
    }
    return &*container_;
  }

  // Taken at create: once the init has exited, the runtime no longer opens
  // the container's cgroup for Stats.
  void WatchOom() {
    absl::StatusOr<cgroups::OomWatch> w = container_->WatchOom();
    if (!w.ok()) return;
    oom_ = *std::move(w);
    // Never waited on: read without blocking at the end.
    if (oom_->event) {
      int flags = fcntl(oom_->event.get(), F_GETFL);
      fcntl(oom_->event.get(), F_SETFL, flags | O_NONBLOCK);
    }
  }

  std::string root_, id_, bundle_;
  // Created once and kept for the container's whole life.
  absl::optional<linux::Container> container_;
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
