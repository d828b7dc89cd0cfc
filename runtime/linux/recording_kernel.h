// A Kernel that records every call as a line of text and succeeds, unless
// told to fail calls whose line contains a given text.
#ifndef CRATE_RUNTIME_LINUX_RECORDING_KERNEL_H_
#define CRATE_RUNTIME_LINUX_RECORDING_KERNEL_H_

#include <map>
#include <string>
#include <vector>

#include "runtime/linux/kernel.h"

namespace crate::linux {

class RecordingKernel : public Kernel {
 public:
  // "mount proc /r/proc proc 0x6 -", "pivot_root . .", ...
  const std::vector<std::string>& calls() const { return calls_; }
  // Calls whose line contains `match` fail with `err`; only the first
  // `times` of them when `times` is not negative.
  void FailWhen(std::string match, int err, int times = -1) {
    fail_match_ = std::move(match);
    fail_errno_ = err;
    fail_times_ = times;
  }

  int Mount(const char* source, const char* target, const char* fstype,
            unsigned long flags, const void* data) override;
  int Umount2(const char* target, int flags) override;
  int MountSetattr(const char* path, struct mount_attr* attr) override;
  int MoveMount(int from_fd, const char* to_path) override;
  int PivotRoot(const char* new_root, const char* put_old) override;
  int Chroot(const char* path) override;
  int Chdir(const char* path) override;
  int Fchdir(int fd) override;
  int Mknod(const char* path, mode_t mode, dev_t dev) override;
  int Chown(const char* path, uid_t uid, gid_t gid) override;
  int Sethostname(const char* name, size_t len) override;
  int Setdomainname(const char* name, size_t len) override;
  // These hand out fds of /dev/null, recorded by name ("fs#1", "userns#1")
  // wherever they are passed back.
  absl::StatusOr<UniqueFd> OpenFs(const std::string& fstype,
                                  const std::string& source,
                                  unsigned long flags,
                                  const std::string& data) override;
  absl::StatusOr<UniqueFd> MakeUserNamespace(
      const std::vector<oci::IdMapping>& uids,
      const std::vector<oci::IdMapping>& gids) override;
  absl::Status SetIdmap(int tree_fd, int userns_fd, bool recursive) override;

 private:
  int Record(std::string line);
  absl::StatusOr<UniqueFd> NamedFd(const std::string& kind, std::string line);
  std::string FdName(int fd) const;

  std::map<int, std::string> fd_names_;
  int named_ = 0;

  std::vector<std::string> calls_;
  std::string fail_match_;
  int fail_errno_ = 0;
  int fail_times_ = -1;
};

}  // namespace crate::linux

#endif  // CRATE_RUNTIME_LINUX_RECORDING_KERNEL_H_
