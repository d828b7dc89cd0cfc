#include "runtime/container/spec_builder.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/oci/spec_json.h"

namespace crate::container {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kId[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr char kRootfs[] = "/var/lib/crate/containers/0123/rootfs";

constexpr char kPasswd[] = R"(root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:App:/home/app:/bin/sh
)";
constexpr char kGroup[] = R"(root:x:0:root
wheel:x:10:root,app
app:x:1000:
)";

ImageConfig Image() {
  ImageConfig image;
  image.cmd = {"sh"};
  image.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};
  return image;
}

Options Basic() {
  Options o;
  o.id = kId;
  o.rootfs = kRootfs;
  o.host.hostname = "buildhost";
  return o;
}

absl::StatusOr<oci::Spec> Build(const ImageConfig& image, const Options& o) {
  return BuildSpec(image, kPasswd, kGroup, o);
}

absl::StatusOr<oci::Spec> Build(const Options& o) { return Build(Image(), o); }

std::vector<std::string> CapNames(const std::vector<int>& caps) {
  std::vector<std::string> out;
  for (int c : caps) out.emplace_back(oci::CapabilityName(c));
  return out;
}

std::vector<std::string> Destinations(const oci::Spec& spec) {
  std::vector<std::string> out;
  for (const oci::Mount& m : spec.mounts) out.push_back(m.destination);
  return out;
}

const oci::Mount* FindMount(const oci::Spec& spec, const std::string& dest) {
  for (const oci::Mount& m : spec.mounts) {
    if (m.destination == dest) return &m;
  }
  return nullptr;
}

std::vector<oci::NamespaceType> NamespaceTypes(const oci::Spec& spec) {
  std::vector<oci::NamespaceType> out;
  for (const oci::Namespace& ns : spec.linux->namespaces) {
    out.push_back(ns.type);
  }
  return out;
}

bool Allows(const oci::Seccomp& s, const std::string& name) {
  for (const oci::SeccompSyscall& c : s.syscalls) {
    if (c.action == "SCMP_ACT_ALLOW" && c.args.empty() &&
        std::find(c.names.begin(), c.names.end(), name) != c.names.end()) {
      return true;
    }
  }
  return false;
}

// What crated does with the spec: writes it, and the shim reads it back.
void ExpectRoundTrips(const oci::Spec& spec) {
  std::string json = oci::SpecToJson(spec);
  absl::StatusOr<oci::Spec> again = oci::ParseSpec(json);
  ASSERT_OK(again);
  EXPECT_EQ(oci::SpecToJson(*again), json);
  EXPECT_THAT(again->warnings, IsEmpty());
  EXPECT_OK(oci::ValidateForCreate(*again));
}

const std::vector<std::string> kDockerCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

TEST(BuildSpecTest, DockersDefaults) {
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(Basic()));
  ExpectRoundTrips(spec);
  EXPECT_EQ(spec.oci_version, oci::kOciVersion);
  EXPECT_EQ(spec.root->path, kRootfs);
  EXPECT_FALSE(spec.root->readonly);
  EXPECT_EQ(spec.hostname, "0123456789ab");

  const oci::Process& p = *spec.process;
  EXPECT_FALSE(p.terminal);
  EXPECT_THAT(p.args, ElementsAre("sh"));
  EXPECT_THAT(p.env, ElementsAre("PATH=/usr/local/bin:/usr/bin:/bin",
                                 "HOSTNAME=0123456789ab", "LANG=C.UTF-8"));
  EXPECT_EQ(p.cwd, "/");
  EXPECT_EQ(p.user.uid, 0u);
  EXPECT_EQ(p.user.gid, 0u);
  EXPECT_THAT(p.user.additional_gids, ElementsAre(0u, 10u));
  EXPECT_EQ(CapNames(p.capabilities->bounding), kDockerCaps);
  EXPECT_EQ(CapNames(p.capabilities->effective), kDockerCaps);
  EXPECT_EQ(CapNames(p.capabilities->permitted), kDockerCaps);
  EXPECT_THAT(p.capabilities->inheritable, IsEmpty());
  EXPECT_THAT(p.capabilities->ambient, IsEmpty());
  EXPECT_FALSE(p.no_new_privileges);
  EXPECT_EQ(p.apparmor_profile, "");
  EXPECT_THAT(p.rlimits, IsEmpty());

  EXPECT_THAT(Destinations(spec),
              ElementsAre("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                          "/dev/mqueue", "/dev/shm"));
  EXPECT_THAT(FindMount(spec, "/dev/shm")->options, Contains("size=67108864"));

  const oci::Linux& lx = *spec.linux;
  EXPECT_THAT(
      NamespaceTypes(spec),
      UnorderedElementsAre(oci::NamespaceType::kPid, oci::NamespaceType::kIpc,
                           oci::NamespaceType::kUts, oci::NamespaceType::kMount,
                           oci::NamespaceType::kNetwork));
  EXPECT_THAT(
      lx.masked_paths,
      ElementsAre("/proc/acpi", "/proc/kcore", "/proc/keys",
                  "/proc/latency_stats", "/proc/timer_list",
                  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                  "/sys/firmware", "/sys/devices/virtual/powercap"));
  EXPECT_THAT(lx.readonly_paths,
              ElementsAre("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
                          "/proc/sys", "/proc/sysrq-trigger"));
  ASSERT_TRUE(lx.seccomp.has_value());
  EXPECT_EQ(lx.seccomp->default_action, "SCMP_ACT_ERRNO");
  EXPECT_TRUE(Allows(*lx.seccomp, "read"));
  EXPECT_FALSE(Allows(*lx.seccomp, "mount"));
  ASSERT_TRUE(lx.resources.has_value());
  ASSERT_EQ(lx.resources->devices.size(), 1u);
  EXPECT_FALSE(lx.resources->devices[0].allow);
  EXPECT_FALSE(lx.resources->memory.has_value());
  EXPECT_EQ(lx.sysctl.at("net.ipv4.ip_unprivileged_port_start"), "0");
  EXPECT_EQ(lx.sysctl.at("net.ipv4.ping_group_range"), "0 2147483647");
  EXPECT_EQ(lx.cgroups_path, "");
  EXPECT_EQ(lx.rootfs_propagation, "");
  EXPECT_THAT(spec.annotations, IsEmpty());
}

TEST(BuildSpecTest, EverythingAtOnceRoundTrips) {
  ImageConfig image = Image();
  image.entrypoint = {"/entry.sh"};
  image.user = "app";
  image.working_dir = "/app";
  image.labels = {{"org.opencontainers.image.title", "demo"},
                  {"tier", "image"}};
  image.volumes = {"/data"};
  Options o = Basic();
  o.cgroups_path = "/crate/0123456789ab";
  o.cmd = {"serve", "--port", "80"};
  o.env = {"LANG=en_GB.UTF-8", "DEBUG=1"};
  o.working_dir = "/srv";
  o.user = "1000:10";
  o.hostname = "web";
  o.read_only = true;
  o.tty = true;
  o.stdin_open = true;
  o.labels = {{"tier", "user"}};
  Mount bind;
  bind.source = "/srv/www";
  bind.destination = "/srv/www";
  bind.read_only = true;
  bind.options = "rslave";
  Mount volume;
  volume.type = MountType::kVolume;
  volume.volume_name = "data";
  volume.source = "/var/lib/crate/volumes/data/_data";
  volume.destination = "/data";
  Mount tmpfs;
  tmpfs.type = MountType::kTmpfs;
  tmpfs.destination = "/run";
  tmpfs.options = "size=64m,mode=1777";
  o.mounts = {bind, volume, tmpfs};
  o.memory = 512 << 20;
  o.memory_swap = 1 << 30;
  o.cpus = 0.5;
  o.cpu_shares = 256;
  o.pids_limit = 200;
  o.shm_size = 128 << 20;
  o.cap_add = {"net_admin"};
  o.cap_drop = {"MKNOD"};
  o.security_opts = {"no-new-privileges", "apparmor=crate-web"};
  o.sysctls = {{"net.core.somaxconn", "1024"}, {"kernel.shmmax", "65536"}};
  o.ulimits = {"nofile=1024:2048"};

  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(image, o));
  ExpectRoundTrips(spec);
  const oci::Process& p = *spec.process;
  EXPECT_TRUE(p.terminal);
  EXPECT_THAT(p.args, ElementsAre("/entry.sh", "serve", "--port", "80"));
  EXPECT_THAT(p.env,
              ElementsAre("PATH=/usr/local/bin:/usr/bin:/bin", "HOSTNAME=web",
                          "TERM=xterm", "LANG=en_GB.UTF-8", "DEBUG=1"));
  EXPECT_EQ(p.cwd, "/srv");
  EXPECT_EQ(p.user.uid, 1000u);
  EXPECT_EQ(p.user.gid, 10u);
  EXPECT_THAT(p.user.additional_gids, IsEmpty());
  // Not root: the bounding set only.
  EXPECT_THAT(CapNames(p.capabilities->bounding), Contains("CAP_NET_ADMIN"));
  EXPECT_THAT(CapNames(p.capabilities->bounding), Not(Contains("CAP_MKNOD")));
  EXPECT_THAT(p.capabilities->effective, IsEmpty());
  EXPECT_THAT(p.capabilities->permitted, IsEmpty());
  EXPECT_TRUE(p.no_new_privileges);
  EXPECT_EQ(p.apparmor_profile, "crate-web");
  ASSERT_EQ(p.rlimits.size(), 1u);
  EXPECT_EQ(p.rlimits[0].hard, 2048u);

  EXPECT_TRUE(spec.root->readonly);
  EXPECT_EQ(spec.hostname, "web");
  EXPECT_THAT(spec.annotations,
              UnorderedElementsAre(
                  std::make_pair("org.opencontainers.image.title", "demo"),
                  std::make_pair("tier", "user")));
  EXPECT_THAT(
      Destinations(spec),
      ElementsAre("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                  "/dev/mqueue", "/dev/shm", "/data", "/run", "/srv/www"));
  EXPECT_THAT(FindMount(spec, "/dev/shm")->options, Contains("size=134217728"));
  EXPECT_THAT(FindMount(spec, "/srv/www")->options,
              ElementsAre("rbind", "ro", "rslave"));

  const oci::Linux& lx = *spec.linux;
  EXPECT_EQ(lx.cgroups_path, "/crate/0123456789ab");
  EXPECT_EQ(lx.rootfs_propagation, "rslave");
  EXPECT_EQ(lx.resources->memory->limit, 512 << 20);
  EXPECT_EQ(lx.resources->memory->swap, 1 << 30);
  EXPECT_EQ(lx.resources->cpu->quota, 50000);
  EXPECT_EQ(lx.resources->cpu->period, 100000u);
  EXPECT_EQ(lx.resources->cpu->shares, 256u);
  EXPECT_EQ(lx.resources->pids->limit, 200);
  EXPECT_EQ(lx.sysctl.at("net.core.somaxconn"), "1024");
  EXPECT_EQ(lx.sysctl.at("kernel.shmmax"), "65536");
}

TEST(BuildSpecTest, UserFromTheImage) {
  ImageConfig image = Image();
  image.user = "app";
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(image, Basic()));
  EXPECT_EQ(spec.process->user.uid, 1000u);
  EXPECT_EQ(spec.process->user.gid, 1000u);
  EXPECT_THAT(spec.process->user.additional_gids, ElementsAre(10u));
  // -u overrides it.
  Options o = Basic();
  o.user = "root";
  ASSERT_OK_AND_ASSIGN(spec, Build(image, o));
  EXPECT_EQ(spec.process->user.uid, 0u);
  EXPECT_EQ(CapNames(spec.process->capabilities->effective), kDockerCaps);
}

TEST(BuildSpecTest, UnknownUsersNameTheirSource) {
  Options o = Basic();
  o.user = "bob";
  EXPECT_THAT(Build(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                 "--user: user \"bob\" is not in the image's "
                                 "/etc/passwd"));
  ImageConfig image = Image();
  image.user = "ghost:nogroup";
  EXPECT_THAT(Build(image, Basic()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("image config User: user \"ghost\"")));
  // A number needs no entry, and without files at all.
  o.user = "4242";
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, BuildSpec(Image(), "", "", o));
  EXPECT_EQ(spec.process->user.uid, 4242u);
  EXPECT_EQ(spec.process->user.gid, 0u);
}

TEST(BuildSpecTest, EntrypointRules) {
  ImageConfig image = Image();
  image.entrypoint = {"/entry.sh"};
  Options o = Basic();
  o.entrypoint = std::vector<std::string>{""};
  EXPECT_THAT(Build(image, o), StatusIs(absl::StatusCode::kInvalidArgument,
                                        "no command specified"));
  o.cmd = {"ls", "-l"};
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(image, o));
  EXPECT_THAT(spec.process->args, ElementsAre("ls", "-l"));
}

TEST(BuildSpecTest, HostNetwork) {
  Options o = Basic();
  o.network = "host";
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  ExpectRoundTrips(spec);
  EXPECT_EQ(spec.linux->FindNamespace(oci::NamespaceType::kNetwork), nullptr);
  EXPECT_NE(spec.linux->FindNamespace(oci::NamespaceType::kUts), nullptr);
  EXPECT_EQ(spec.hostname, "buildhost");
  EXPECT_THAT(spec.process->env, Contains("HOSTNAME=buildhost"));
  EXPECT_THAT(spec.linux->sysctl, IsEmpty());
  // net.* belongs to the host's namespace then.
  o.sysctls = {{"net.ipv4.ip_forward", "1"}};
  EXPECT_THAT(Build(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--sysctl net.ipv4.ip_forward=1: not allowed "
                                 "in the host's network namespace")));
}

TEST(BuildSpecTest, NoneAndPrivateNetworksHaveTheirOwnNamespace) {
  for (const char* mode : {"none", "private", ""}) {
    Options o = Basic();
    o.network = mode;
    ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
    EXPECT_NE(spec.linux->FindNamespace(oci::NamespaceType::kNetwork), nullptr)
        << mode;
  }
}

TEST(BuildSpecTest, HostUtsIpcPid) {
  Options o = Basic();
  o.uts = "host";
  o.ipc = "host";
  o.pid = "host";
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  ExpectRoundTrips(spec);
  EXPECT_THAT(NamespaceTypes(spec), ElementsAre(oci::NamespaceType::kMount,
                                                oci::NamespaceType::kNetwork));
  EXPECT_EQ(spec.hostname, "");
  EXPECT_THAT(spec.process->env, Contains("HOSTNAME=buildhost"));
  const oci::Mount* shm = FindMount(spec, "/dev/shm");
  EXPECT_EQ(shm->type, "bind");
  EXPECT_EQ(shm->source, "/dev/shm");
  o.sysctls = {{"kernel.shmmax", "1"}};
  EXPECT_THAT(Build(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("--sysctl kernel.shmmax=1: not "
                                           "allowed in the host's IPC")));
  o.sysctls.clear();
  o.hostname = "web";
  EXPECT_THAT(Build(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("--hostname: conflicts with --uts "
                                           "host")));
}

TEST(BuildSpecTest, Privileged) {
  Options o = Basic();
  o.privileged = true;
  o.cap_drop = {"ALL"};
  o.host.apparmor_profile = "crate-default";
  o.security_opts = {"seccomp=" + std::string(R"({"defaultAction":
                                                   "SCMP_ACT_KILL"})")};
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  ExpectRoundTrips(spec);
  EXPECT_EQ(spec.process->capabilities->bounding.size(),
            static_cast<size_t>(oci::LastCapability() + 1));
  EXPECT_FALSE(spec.linux->seccomp.has_value());
  EXPECT_THAT(spec.linux->masked_paths, IsEmpty());
  EXPECT_THAT(spec.linux->readonly_paths, IsEmpty());
  EXPECT_TRUE(spec.linux->resources->devices[0].allow);
  EXPECT_THAT(FindMount(spec, "/sys")->options, Not(Contains("ro")));
  EXPECT_EQ(spec.process->apparmor_profile, "unconfined");
  // Everything is the host's set when the caller knows it.
  o.host.capabilities = {"CAP_CHOWN", "CAP_SYS_ADMIN"};
  ASSERT_OK_AND_ASSIGN(spec, Build(o));
  EXPECT_THAT(CapNames(spec.process->capabilities->bounding),
              ElementsAre("CAP_CHOWN", "CAP_SYS_ADMIN"));
}

TEST(BuildSpecTest, AppArmorDefaultsToTheHosts) {
  Options o = Basic();
  o.host.apparmor_profile = "crate-default";
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  EXPECT_EQ(spec.process->apparmor_profile, "crate-default");
  o.security_opts = {"apparmor=unconfined"};
  ASSERT_OK_AND_ASSIGN(spec, Build(o));
  EXPECT_EQ(spec.process->apparmor_profile, "unconfined");
}

TEST(BuildSpecTest, SeccompFollowsTheCapabilities) {
  Options o = Basic();
  o.cap_add = {"SYS_ADMIN"};
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  EXPECT_TRUE(Allows(*spec.linux->seccomp, "mount"));
  o.security_opts = {"seccomp=unconfined"};
  ASSERT_OK_AND_ASSIGN(spec, Build(o));
  EXPECT_FALSE(spec.linux->seccomp.has_value());
  EXPECT_FALSE(spec.linux->masked_paths.empty());
}

TEST(BuildSpecTest, CustomSeccompProfile) {
  Options o = Basic();
  o.host.kernel_release = "6.1.0-18-amd64";
  o.security_opts = {R"(seccomp={"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [
        {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO",
         "excludes": {"minKernel": "4.8"}},
        {"names": ["mount"], "action": "SCMP_ACT_ERRNO",
         "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]})"};
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  ExpectRoundTrips(spec);
  const oci::Seccomp& s = *spec.linux->seccomp;
  EXPECT_EQ(s.default_action, "SCMP_ACT_ALLOW");
  ASSERT_EQ(s.syscalls.size(), 2u);
  EXPECT_THAT(s.syscalls[0].names, ElementsAre("kexec_load"));
  EXPECT_THAT(s.syscalls[1].names, ElementsAre("mount"));
}

TEST(BuildSpecTest, SystemPathsUnconfined) {
  Options o = Basic();
  o.security_opts = {"systempaths=unconfined"};
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  EXPECT_THAT(spec.linux->masked_paths, IsEmpty());
  EXPECT_THAT(spec.linux->readonly_paths, IsEmpty());
  EXPECT_TRUE(spec.linux->seccomp.has_value());
}

TEST(BuildSpecTest, UserMountsReplaceStandardOnes) {
  Options o = Basic();
  Mount shm;
  shm.type = MountType::kTmpfs;
  shm.destination = "/dev/shm";
  shm.options = "size=1g";
  o.mounts = {shm};
  ASSERT_OK_AND_ASSIGN(oci::Spec spec, Build(o));
  ExpectRoundTrips(spec);
  int count = 0;
  for (const oci::Mount& m : spec.mounts) count += m.destination == "/dev/shm";
  EXPECT_EQ(count, 1);
  EXPECT_THAT(FindMount(spec, "/dev/shm")->options, Contains("size=1g"));
}

struct BadCase {
  const char* name;
  std::function<void(ImageConfig&, Options&)> set;
  const char* message;
};

class BadOptionTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadOptionTest, NamesTheOption) {
  ImageConfig image = Image();
  Options o = Basic();
  GetParam().set(image, o);
  EXPECT_THAT(Build(image, o), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr(GetParam().message)));
}

Mount BindAt(const std::string& source, const std::string& dest) {
  Mount m;
  m.source = source;
  m.destination = dest;
  return m;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadOptionTest,
    ::testing::Values(
        BadCase{"NoId", [](ImageConfig&, Options& o) { o.id.clear(); },
                "id: required"},
        BadCase{"RelativeRootfs",
                [](ImageConfig&, Options& o) { o.rootfs = "rootfs"; },
                "rootfs: \"rootfs\" is not an absolute path"},
        BadCase{"NoCommand", [](ImageConfig& i, Options&) { i.cmd.clear(); },
                "no command specified"},
        BadCase{"Memory", [](ImageConfig&, Options& o) { o.memory = 1 << 20; },
                "--memory: minimum memory limit allowed is 6MB"},
        BadCase{"Cpus", [](ImageConfig&, Options& o) { o.cpus = -0.5; },
                "--cpus: must be a positive number"},
        BadCase{"PidsLimit",
                [](ImageConfig&, Options& o) { o.pids_limit = -9; },
                "--pids-limit"},
        BadCase{"ShmSize", [](ImageConfig&, Options& o) { o.shm_size = -1; },
                "--shm-size: must not be negative"},
        BadCase{"BindRelative",
                [](ImageConfig&, Options& o) {
                  o.mounts = {BindAt("/srv", "srv")};
                },
                "--volume /srv:srv: the container path \"srv\" is not "
                "absolute"},
        BadCase{"DuplicateMount",
                [](ImageConfig&, Options& o) {
                  o.mounts = {BindAt("/a", "/x"), BindAt("/b", "/x/")};
                },
                "--volume /b:/x/: duplicate mount point \"/x\""},
        BadCase{"TmpfsOptions",
                [](ImageConfig&, Options& o) {
                  Mount m;
                  m.type = MountType::kTmpfs;
                  m.destination = "/run";
                  m.options = "size=lots";
                  o.mounts = {m};
                },
                "--tmpfs /run: size: \"lots\" is not a size"},
        BadCase{"Ulimit",
                [](ImageConfig&, Options& o) { o.ulimits = {"fds=1"}; },
                "--ulimit fds=1: unknown limit \"fds\""},
        BadCase{"HostSysctl",
                [](ImageConfig&, Options& o) {
                  o.sysctls = {{"vm.swappiness", "0"}};
                },
                "--sysctl vm.swappiness=0: not allowed: it is not in a "
                "namespace"},
        BadCase{"Env", [](ImageConfig&, Options& o) { o.env = {"HOME"}; },
                "--env: \"HOME\" is not KEY=value"},
        BadCase{"Workdir",
                [](ImageConfig&, Options& o) { o.working_dir = "srv"; },
                "--workdir: \"srv\" is not an absolute path"},
        BadCase{
            "SecurityOpt",
            [](ImageConfig&, Options& o) { o.security_opts = {"seccomp={"}; },
            "--security-opt seccomp: the profile is not valid JSON"},
        BadCase{"UnknownSecurityOpt",
                [](ImageConfig&, Options& o) { o.security_opts = {"mystery"}; },
                "--security-opt \"mystery\": unknown option"},
        BadCase{"CapAdd", [](ImageConfig&, Options& o) { o.cap_add = {"FLY"}; },
                "--cap-add: unknown capability \"FLY\""},
        BadCase{"Network",
                [](ImageConfig&, Options& o) { o.network = "bridge0"; },
                "--network: unknown mode \"bridge0\" (want none, host or "
                "private)"},
        BadCase{"Ipc", [](ImageConfig&, Options& o) { o.ipc = "none"; },
                "--ipc: unknown mode \"none\" (want host or private)"},
        BadCase{
            "LongHostname",
            [](ImageConfig&, Options& o) { o.hostname = std::string(65, 'h'); },
            "--hostname: "},
        BadCase{"EmptyLabel",
                [](ImageConfig&, Options& o) {
                  o.labels = {{"", "x"}};
                },
                "--label: empty key"},
        BadCase{"User",
                [](ImageConfig&, Options& o) { o.user = "app:nogroup"; },
                "--user: group \"nogroup\" is not in the image's "
                "/etc/group"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace crate::container
