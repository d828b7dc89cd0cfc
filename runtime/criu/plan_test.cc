#include "runtime/criu/plan.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"
#include "runtime/linux/plan.h"
#include "runtime/oci/spec.h"

namespace crate::criu {
namespace {

using ::crate::testing::IsOk;
using ::crate::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

constexpr char kConfig[] = R"json({
  "ociVersion": "1.1.0",
  "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh"], "cwd": "/"},
  "root": {"path": "rootfs"},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/data", "type": "bind", "source": "/srv/data",
     "options": ["rbind"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}],
    "maskedPaths": ["/proc/kcore", "/proc/acpi"]
  }
})json";

struct Fixture {
  explicit Fixture(const std::string& json = kConfig) {
    auto parsed = oci::ParseSpec(json);
    EXPECT_THAT(parsed.status(), IsOk());
    spec = *parsed;
    linux::PlanOptions po;
    po.bundle = "/b";
    po.host_cgroup_v2 = true;
    auto plan = linux::MakePlan(spec, po);
    EXPECT_THAT(plan.status(), IsOk());
    launch = *plan;
  }
  oci::Spec spec;
  linux::LaunchPlan launch;
};

DumpInput Dump(const Fixture& f) {
  DumpInput in;
  in.spec = &f.spec;
  in.launch = &f.launch;
  in.pid = 4242;
  in.rootfs = "/b/rootfs";
  in.freezer = "/sys/fs/cgroup/crate/c1";
  in.masked_files = {"/proc/kcore"};
  return in;
}

RestoreInput Restore(const Fixture& f) {
  RestoreInput in;
  in.spec = &f.spec;
  in.launch = &f.launch;
  in.root = "/run/crate/c1/criu-root";
  in.pid_file = "/run/crate/c1/criu.pid";
  in.cgroup_path = "crate/c1";
  in.descriptors = {"/dev/null", "pipe:[77]", "pipe:[78]"};
  return in;
}

DumpOptions DumpOpts() {
  DumpOptions o;
  o.image_path = "/cp";
  return o;
}

TEST(PlanDump, DumpsTheInitIntoTheImageWithItsRootAndFreezer) {
  Fixture f;
  auto inv = PlanDump("criu", Dump(f), DumpOpts());
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(
      inv->argv,
      IsSupersetOf({"criu", "dump", "-t", "4242", "-D", "/cp", "-o", "dump.log",
                    "-v4", "--manage-cgroups=soft", "--root", "/b/rootfs",
                    "--freeze-cgroup", "/sys/fs/cgroup/crate/c1"}));
  EXPECT_EQ(inv->argv[1], "dump");
  EXPECT_EQ(inv->log_path, "/cp/dump.log");
  EXPECT_THAT(inv->argv, Not(Contains("--leave-running")));
  EXPECT_THAT(inv->argv, Not(Contains("--track-mem")));
}

TEST(PlanDump, WorkPathHoldsTheLog) {
  Fixture f;
  DumpOptions o = DumpOpts();
  o.work_path = "/work";
  auto inv = PlanDump("criu", Dump(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"-W", "/work"}));
  EXPECT_EQ(inv->log_path, "/work/dump.log");
}

TEST(PlanDump, BindMountsAndMaskedFilesAreExternal) {
  Fixture f;
  DumpInput in = Dump(f);
  in.resolve = [](const std::string& d) { return d == "/data" ? "/srv" : d; };
  auto inv = PlanDump("criu", in, DumpOpts());
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv,
              IsSupersetOf({"mnt[/srv]:/srv", "mnt[/proc/kcore]:/dev/null"}));
  // A masked directory is a tmpfs criu dumps itself.
  EXPECT_THAT(inv->argv, Not(Contains(HasSubstr("/proc/acpi"))));
}

TEST(PlanDump, FlagsPassThrough) {
  Fixture f;
  DumpOptions o = DumpOpts();
  o.leave_running = true;
  o.tcp_established = true;
  o.ext_unix_sk = true;
  o.shell_job = true;
  o.file_locks = true;
  o.auto_dedup = true;
  o.manage_cgroups_mode = "ignore";
  o.tcp_skip_in_flight = true;
  o.link_remap = true;
  auto inv = PlanDump("/usr/sbin/criu", Dump(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_EQ(inv->argv[0], "/usr/sbin/criu");
  EXPECT_THAT(inv->argv,
              IsSupersetOf({"--leave-running", "--tcp-established",
                            "--ext-unix-sk", "--shell-job", "--file-locks",
                            "--auto-dedup", "--manage-cgroups=ignore",
                            "--skip-in-flight", "--link-remap"}));
}

TEST(PlanDump, BadCgroupModeAndRelativeImageAreRefused) {
  Fixture f;
  DumpOptions o = DumpOpts();
  o.manage_cgroups_mode = "loose";
  EXPECT_THAT(PlanDump("criu", Dump(f), o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--manage-cgroups-mode")));
  o = DumpOpts();
  o.image_path = "cp";
  EXPECT_THAT(
      PlanDump("criu", Dump(f), o).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--image-path")));
}

TEST(PlanDump, PreDumpTracksMemoryAndSkipsExternals) {
  Fixture f;
  DumpOptions o = DumpOpts();
  o.pre_dump = true;
  o.leave_running = true;
  auto inv = PlanDump("criu", Dump(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_EQ(inv->argv[1], "pre-dump");
  EXPECT_THAT(inv->argv, Contains("--track-mem"));
  EXPECT_THAT(inv->argv, Not(Contains("--leave-running")));
  EXPECT_THAT(inv->argv, Not(Contains(HasSubstr("mnt["))));
}

TEST(PlanDump, ParentPathIsRelative) {
  Fixture f;
  DumpOptions o = DumpOpts();
  o.parent_path = "../pre";
  auto inv = PlanDump("criu", Dump(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv,
              IsSupersetOf({"--track-mem", "--prev-images-dir", "../pre"}));
  o.parent_path = "/abs/pre";
  EXPECT_THAT(PlanDump("criu", Dump(f), o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--parent-path must be relative")));
}

TEST(PlanDump, OwnNetworkNamespaceIsDumpedEmpty) {
  Fixture f;
  auto inv = PlanDump("criu", Dump(f), DumpOpts());
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"--empty-ns", "net"}));
}

constexpr char kJoined[] = R"json({
  "ociVersion": "1.1.0",
  "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh"], "cwd": "/"},
  "root": {"path": "rootfs"},
  "linux": {"namespaces": [
    {"type": "mount"}, {"type": "pid", "path": "/proc/1/ns/pid"},
    {"type": "network", "path": "/run/netns/n1"},
    {"type": "ipc", "path": "/proc/7/ns/ipc"}]}
})json";

TEST(PlanDump, JoinedNetAndPidNamespacesAreExternalByInode) {
  Fixture f(kJoined);
  DumpInput in = Dump(f);
  in.joined_inodes = {{oci::NamespaceType::kNetwork, 4026532000},
                      {oci::NamespaceType::kPid, 4026531836}};
  auto inv = PlanDump("criu", in, DumpOpts());
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"net[4026532000]:extRootNetNS",
                                       "pid[4026531836]:extRootPidNS"}));
  EXPECT_THAT(inv->argv, Not(Contains("--empty-ns")));
}

TEST(PlanDump, JoinedMountNamespaceIsRefused) {
  Fixture f(R"json({
    "ociVersion": "1.1.0", "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh"], "cwd": "/"},
    "root": {"path": "rootfs"},
    "linux": {"namespaces": [{"type": "mount", "path": "/proc/9/ns/mnt"}]}
  })json");
  EXPECT_THAT(PlanDump("criu", Dump(f), DumpOpts()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("linux.namespaces[0]")));
}

TEST(PlanDump, TerminalIsAnExternalTty) {
  Fixture f;
  DumpInput in = Dump(f);
  in.tty_key = TtyKey(0x8800, 0x16);
  auto inv = PlanDump("criu", in, DumpOpts());
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"--external", "tty[8800:16]"}));
}

TEST(PlanDump, StdioFilesAreExternal) {
  Fixture f;
  DumpInput in = Dump(f);
  in.stdio_files = {FileKey(0x16, 0x5), "", ""};
  auto inv = PlanDump("criu", in, DumpOpts());
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"--external", "file[16:5]"}));
}

TEST(PlanRestore, StdioFilesAreInherited) {
  Fixture f;
  RestoreInput in = Restore(f);
  in.stdio_files = {"file[16:5]", "", ""};
  RestoreOptions o;
  o.image_path = "/cp";
  auto inv = PlanRestore("criu", in, o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, Contains("fd[0]:file[16:5]"));
}

TEST(PlanDump, CgroupBindsAreExternal) {
  Fixture f;
  DumpInput in = Dump(f);
  in.cgroup_binds = {"/sys/fs/cgroup/memory"};
  auto inv = PlanDump("criu", in, DumpOpts());
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv,
              Contains("mnt[/sys/fs/cgroup/memory]:/sys/fs/cgroup/memory"));
}

TEST(PlanRestore, RestoresDetachedAsASiblingIntoTheRootAndCgroup) {
  Fixture f;
  RestoreOptions o;
  o.image_path = "/cp";
  o.work_path = "/w";
  auto inv = PlanRestore("criu", Restore(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_EQ(inv->argv[1], "restore");
  EXPECT_THAT(
      inv->argv,
      IsSupersetOf({"-D", "/cp", "-W", "/w", "-o", "restore.log", "--root",
                    "/run/crate/c1/criu-root", "--restore-sibling",
                    "--restore-detached", "--pidfile", "/run/crate/c1/criu.pid",
                    "--cgroup-root", "/crate/c1", "--empty-ns", "net"}));
  EXPECT_EQ(inv->log_path, "/w/restore.log");
}

TEST(PlanRestore, ExternalMountsMapBackToTheirSources) {
  Fixture f;
  RestoreInput in = Restore(f);
  RestoreOptions o;
  o.image_path = "/cp";
  auto inv = PlanRestore("criu", in, o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"mnt[/data]:/srv/data",
                                       "mnt[/dev/null]:/dev/null"}));
}

TEST(PlanRestore, StdioPipesAreInherited) {
  Fixture f;
  RestoreOptions o;
  o.image_path = "/cp";
  auto inv = PlanRestore("criu", Restore(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"fd[1]:pipe:[77]", "fd[2]:pipe:[78]"}));
  EXPECT_THAT(inv->argv, Not(Contains(HasSubstr("fd[0]"))));
}

TEST(PlanRestore, JoinedNamespacesAreInheritedOrJoined) {
  Fixture f(kJoined);
  RestoreInput in = Restore(f);
  in.joined_fds = {{oci::NamespaceType::kNetwork, 3},
                   {oci::NamespaceType::kPid, 4}};
  RestoreOptions o;
  o.image_path = "/cp";
  auto inv = PlanRestore("criu", in, o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv,
              IsSupersetOf({"fd[3]:extRootNetNS", "fd[4]:extRootPidNS",
                            "--join-ns", "ipc:/proc/7/ns/ipc"}));
}

TEST(PlanRestore, TerminalNeedsAConsole) {
  Fixture f;
  RestoreInput in = Restore(f);
  in.tty_key = "tty[8800:16]";
  RestoreOptions o;
  o.image_path = "/cp";
  EXPECT_THAT(PlanRestore("criu", in, o).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("--console-socket")));
  in.tty_fd = 5;
  auto inv = PlanRestore("criu", in, o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, Contains("fd[5]:tty[8800:16]"));
}

TEST(PlanRestore, TcpClose) {
  Fixture f;
  RestoreOptions o;
  o.image_path = "/cp";
  o.tcp_close = true;
  auto inv = PlanRestore("criu", Restore(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, Contains("--tcp-close"));
}

TEST(PlanRestore, ConfigAnnotationNamesCriuConfig) {
  Fixture f;
  f.spec.annotations["org.criu.config"] = "/etc/criu/x.conf";
  RestoreOptions o;
  o.image_path = "/cp";
  auto inv = PlanRestore("criu", Restore(f), o);
  ASSERT_THAT(inv.status(), IsOk());
  EXPECT_THAT(inv->argv, IsSupersetOf({"--config", "/etc/criu/x.conf"}));
}

TEST(Descriptors, RoundTripInRuncsFormat) {
  std::string json = DescriptorsToJson({"/dev/null", "pipe:[1]", "pipe:[2]"});
  EXPECT_EQ(json, R"(["/dev/null","pipe:[1]","pipe:[2]"])");
  auto back = ParseDescriptors(json);
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_THAT(*back, ElementsAre("/dev/null", "pipe:[1]", "pipe:[2]"));
  EXPECT_THAT(ParseDescriptors("{}").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("descriptors.json")));
}

TEST(LogTail, QuotesTheErrorLines) {
  std::string log =
      "(00.001) a\n(00.002) Error (criu/tun.c:85): no tun\n"
      "(00.003) Error (criu/files-reg.c:1710): Can't lookup mount\n"
      "(00.004) after\n(00.005) Error (criu/cr-dump.c:2053): FAILED\n";
  EXPECT_EQ(LogTail(log, 2),
            "(00.003) Error (criu/files-reg.c:1710): Can't lookup mount\n"
            "(00.005) Error (criu/cr-dump.c:2053): FAILED");
  EXPECT_EQ(LogTail("x\ny\nz\n", 2), "y\nz");
}

}  // namespace
}  // namespace crate::criu
