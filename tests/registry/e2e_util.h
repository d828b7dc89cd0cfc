// Helpers the end-to-end tests of the image library share: scratch
// directories that clean up their mounts, root file systems compared with
// the fixture's description or with another tool's tree, and the state of
// the stores, to show that a refused pull or load changed nothing.
#ifndef CRATE_TESTS_REGISTRY_E2E_UTIL_H_
#define CRATE_TESTS_REGISTRY_E2E_UTIL_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "registry/images/image_service.h"

namespace crate::registry {

// $TEST_TMPDIR, else /tmp.
std::string TempBase();

// A temporary directory removed with everything in it, mounts included.
class TempDir {
 public:
  // A directory <base>/<prefix>-XXXXXX.
  explicit TempDir(const std::string& prefix,
                   const std::string& base = TempBase());
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void NoteMount(const std::string& m) { mounts_.push_back(m); }

 private:
  std::string path_;
  std::vector<std::string> mounts_;
};

// Compares the tree under `root` with the fixture's description of the
// image: every listed path with its type, mode, owner, size, content and
// link target, and none of the paths whiteouts removed.
void ExpectTreeMatches(const std::string& root, const nlohmann::json& image,
                       const std::string& what);

// Every path under `root` + `rel` with what a tool can observe of it
// (type, mode, owner, size, content hash or link target), mtimes aside.
void DescribeTree(const std::string& root, const std::string& rel,
                  std::map<std::string, std::string>& out);

// What the stores hold, to show that a refused pull or load changed
// nothing.
struct StoreState {
  std::set<std::string> blobs;
  std::set<std::string> snapshots;
  std::string images_json;
  // The files of content/ingest: a refused pull or load leaves nothing to
  // resume.
  std::set<std::string> ingest;
  friend bool operator==(const StoreState& a, const StoreState& b) {
    return a.blobs == b.blobs && a.snapshots == b.snapshots &&
           a.images_json == b.images_json && a.ingest == b.ingest;
  }
};

StoreState Snapshot(ImageService& service);
std::string Describe(const StoreState& s);

// A file of the runfiles tree: "registry/images/crate-pull".
std::string RunfilePath(const std::string& rel);

}  // namespace crate::registry

#endif  // CRATE_TESTS_REGISTRY_E2E_UTIL_H_
