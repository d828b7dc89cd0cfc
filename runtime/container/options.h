// What a container is made from: the image's configuration, and the
// options of `crate run`/`create` (docker's, field for field where docker
// has one). Plain data; spec_builder.h turns them into an oci::Spec.
#ifndef CRATE_RUNTIME_CONTAINER_OPTIONS_H_
#define CRATE_RUNTIME_CONTAINER_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/types/optional.h"

namespace crate::container {

// The image config's "config" object (OCI image-spec), as the image
// library reads it. A copy of its own so that runtime/ needs nothing of
// registry/.
struct ImageConfig {
  std::string user;
  std::vector<std::string> env;  // KEY=value
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::vector<std::string> volumes;  // container paths
  std::string stop_signal;
  std::vector<std::string> exposed_ports;  // "80/tcp"
};

enum class MountType {
  kBind,    // source: a host path
  kVolume,  // source: the volume's directory, resolved by the caller
  kTmpfs,   // source unused
};

// -v, --mount, --tmpfs.
struct Mount {
  MountType type = MountType::kBind;
  std::string source;
  std::string destination;  // absolute, in the container
  bool read_only = false;
  // tmpfs: "size=64m,mode=1777"; bind and volume: a propagation
  // ("rshared", ...), empty for rprivate.
  std::string options;
  std::string volume_name;  // kVolume: for messages
};

// Facts about the host that docker's rules depend on. The caller learns
// them; the builder stays pure.
struct HostFacts {
  // Its name: the container's with --network host, the HOSTNAME variable
  // with --uts host.
  std::string hostname;
  // What --privileged and --cap-add ALL grant: the host's bounding set
  // ("CAP_*" names). Empty: every capability runtime/oci knows.
  std::vector<std::string> capabilities;
  // uname's release ("6.1.0-18-amd64"), for the minKernel conditions of a
  // docker seccomp profile.
  std::string kernel_release;
  // The AppArmor profile containers get by default when the host runs
  // AppArmor ("crate-default"); empty when it does not.
  std::string apparmor_profile;
};

struct Options {
  std::string id;      // the container's ID; its first 12 characters name it
  std::string rootfs;  // absolute path of the mounted root file system
  // linux.cgroupsPath; empty leaves it to the runtime ("/<id>").
  std::string cgroups_path;
  HostFacts host;

  // Set: replaces the image's entrypoint and drops the image's Cmd; an
  // empty list (or one empty string, as docker's --entrypoint "" sends it)
  // runs `cmd` alone.
  absl::optional<std::vector<std::string>> entrypoint;
  std::vector<std::string> cmd;  // not empty: replaces the image's Cmd
  std::vector<std::string> env;  // KEY=value, over the image's by key
  std::string working_dir;       // -w, absolute
  std::string user;              // -u name|uid[:group|gid]
  std::string hostname;          // -h
  bool read_only = false;        // --read-only root file system
  bool tty = false;              // -t
  bool stdin_open = false;       // -i: the shim's business, not the spec's
  std::map<std::string, std::string> labels;
  std::vector<Mount> mounts;

  int64_t memory = 0;       // bytes; 0: unlimited
  int64_t memory_swap = 0;  // memory + swap; 0: twice memory; -1: unlimited
  double cpus = 0;          // 1.5 = one and a half CPUs; 0: unlimited
  int64_t cpu_shares = 0;   // 0: the kernel's default (1024)
  int64_t pids_limit = 0;   // 0 or -1: unlimited
  int64_t shm_size = 0;     // /dev/shm in bytes; 0: 64 MiB

  std::vector<std::string> cap_add;   // "NET_ADMIN", "CAP_SYS_TIME", "ALL"
  std::vector<std::string> cap_drop;  // likewise
  // no-new-privileges[=true|false], seccomp=unconfined|<profile JSON text,
  // read by the caller>, apparmor=<profile>|unconfined, label=disable,
  // systempaths=unconfined.
  std::vector<std::string> security_opts;
  bool privileged = false;
  std::map<std::string, std::string> sysctls;
  std::vector<std::string> ulimits;  // "nofile=1024:2048", "core=0"

  std::string network;  // "private" (or empty), "none" or "host"
  std::string ipc;      // "private" (or empty) or "host"
  std::string pid;      // likewise
  std::string uts;      // likewise
};

}  // namespace crate::container

#endif  // CRATE_RUNTIME_CONTAINER_OPTIONS_H_
