#include "tests/registry/e2e_util.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {

std::string TempBase() {
  const char* d = getenv("TEST_TMPDIR");
  return d != nullptr ? d : "/tmp";
}

TempDir::TempDir(const std::string& prefix, const std::string& base) {
  std::string templ = JoinPath(base, prefix + "-XXXXXX");
  if (mkdtemp(templ.data()) != nullptr) path_ = templ;
}

TempDir::~TempDir() {
  for (const std::string& m : mounts_) umount2(m.c_str(), MNT_DETACH);
  if (!path_.empty()) RemoveTree(path_).IgnoreError();
}

void ExpectTreeMatches(const std::string& root, const nlohmann::json& image,
                       const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(image.contains("files")) << what;
  for (const auto& [path, f] : image["files"].items()) {
    if (path == "/") continue;  // the mount point's own attributes
    const std::string p = root + path;
    struct stat st;
    ASSERT_EQ(lstat(p.c_str(), &st), 0) << path << " is missing";
    const std::string type = f.value("type", "");
    if (type == "dir") {
      EXPECT_TRUE(S_ISDIR(st.st_mode)) << path;
    } else if (type == "file") {
      EXPECT_TRUE(S_ISREG(st.st_mode)) << path;
    } else if (type == "symlink") {
      ASSERT_TRUE(S_ISLNK(st.st_mode)) << path;
      char buf[4096];
      ssize_t n = readlink(p.c_str(), buf, sizeof(buf));
      ASSERT_GT(n, 0) << path;
      EXPECT_EQ(std::string(buf, n), f.value("target", "")) << path;
    } else if (type == "hardlink") {
      struct stat target;
      ASSERT_EQ(lstat((root + f.value("target", "")).c_str(), &target), 0)
          << path;
      EXPECT_EQ(st.st_ino, target.st_ino) << path << " is not a hard link";
    }
    if (f.contains("mode")) {
      unsigned mode = std::stoul(f["mode"].get<std::string>(), nullptr, 8);
      if (!S_ISLNK(st.st_mode)) {
        EXPECT_EQ(st.st_mode & 07777, mode) << path;
      }
    }
    if (f.contains("uid")) {
      EXPECT_EQ(st.st_uid, f["uid"].get<uid_t>()) << path;
    }
    if (f.contains("gid")) {
      EXPECT_EQ(st.st_gid, f["gid"].get<gid_t>()) << path;
    }
    if (S_ISREG(st.st_mode) && f.contains("size")) {
      EXPECT_EQ(static_cast<uint64_t>(st.st_size), f["size"].get<uint64_t>())
          << path;
    }
    if (S_ISREG(st.st_mode) && f.contains("sha256")) {
      absl::StatusOr<std::string> data = ReadFile(p, uint64_t{1} << 30);
      ASSERT_OK(data.status());
      EXPECT_EQ(Digest::Sha256Of(*data).hex(), f["sha256"].get<std::string>())
          << path;
    }
  }
  const nlohmann::json absent =
      image.contains("absent") ? image.at("absent") : nlohmann::json::array();
  for (const auto& a : absent) {
    const std::string p = root + a.get<std::string>();
    struct stat st;
    EXPECT_NE(lstat(p.c_str(), &st), 0) << a << " should have been removed";
  }
}

StoreState Snapshot(ImageService& service) {
  StoreState s;
  service.content()
      .Walk([&](const BlobInfo& b) {
        s.blobs.insert(b.digest.ToString());
        return absl::OkStatus();
      })
      .IgnoreError();
  absl::StatusOr<std::vector<std::string>> snaps = service.snapshots().List();
  if (snaps.ok()) s.snapshots.insert(snaps->begin(), snaps->end());
  absl::StatusOr<std::vector<ImageSummary>> list = service.List();
  if (list.ok()) {
    for (const ImageSummary& i : *list) {
      s.images_json += i.record.manifest_digest.ToString() + ";";
      for (const std::string& t : i.tags) s.images_json += t + ",";
    }
  }
  absl::StatusOr<std::vector<std::string>> ingest =
      ListDir(JoinPath(service.content().root(), "ingest"));
  if (ingest.ok()) {
    s.ingest.insert(ingest->begin(), ingest->end());
  } else {
    s.ingest.insert("<" + std::string(ingest.status().message()) + ">");
  }
  return s;
}

std::string Describe(const StoreState& s) {
  std::string out = "blobs:";
  for (const std::string& b : s.blobs) out += " " + b;
  out += "\nsnapshots:";
  for (const std::string& b : s.snapshots) out += " " + b;
  out += "\ningest:";
  for (const std::string& f : s.ingest) out += " " + f;
  return out + "\nimages: " + s.images_json;
}

void DescribeTree(const std::string& root, const std::string& rel,
                  std::map<std::string, std::string>& out) {
  DIR* d = opendir((root + rel).c_str());
  ASSERT_NE(d, nullptr) << root + rel;
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  for (const std::string& n : names) {
    const std::string r = rel + "/" + n;
    const std::string p = root + r;
    struct stat st;
    ASSERT_EQ(lstat(p.c_str(), &st), 0) << p;
    std::string desc =
        absl::StrCat(st.st_mode & S_IFMT, " ", absl::Hex(st.st_mode & 07777),
                     " ", st.st_uid, ":", st.st_gid);
    if (S_ISREG(st.st_mode)) {
      ASSERT_OK_AND_ASSIGN(std::string data, ReadFile(p, uint64_t{1} << 30));
      absl::StrAppend(&desc, " ", data.size(), " ",
                      Digest::Sha256Of(data).hex(), " links ", st.st_nlink);
    } else if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t k = readlink(p.c_str(), buf, sizeof(buf));
      absl::StrAppend(&desc, " -> ", std::string(buf, k > 0 ? k : 0));
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      absl::StrAppend(&desc, " dev ", major(st.st_rdev), ",",
                      minor(st.st_rdev));
    }
    out[r] = desc;
    if (S_ISDIR(st.st_mode)) DescribeTree(root, r, out);
  }
}

std::string RunfilePath(const std::string& rel) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* ws = getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir ? srcdir : ".", "/", ws ? ws : "crate", "/", rel);
}

}  // namespace crate::registry
