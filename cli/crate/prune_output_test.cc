#include "cli/crate/prune_output.h"

#include "gtest/gtest.h"

namespace crate::cli {
namespace {

TEST(PruneOutputTest, Warnings) {
  EXPECT_EQ(ContainerPruneWarning(),
            "WARNING! This will remove all stopped containers.");
  EXPECT_EQ(ImagePruneWarning(false),
            "WARNING! This will remove all dangling images.");
  EXPECT_EQ(ImagePruneWarning(true),
            "WARNING! This will remove all images without at least one "
            "container associated to them.");
  EXPECT_EQ(SystemPruneWarning(false, false, {}),
            "WARNING! This will remove:\n"
            "  - all stopped containers\n"
            "  - all dangling images\n");
  EXPECT_EQ(SystemPruneWarning(true, true, {"label=a"}),
            "WARNING! This will remove:\n"
            "  - all stopped containers\n"
            "  - all anonymous volumes not used by at least one container\n"
            "  - all images without at least one container associated to "
            "them\n"
            "\n"
            "  Items to be pruned will be filtered with:\n"
            "  - label=a\n");
}

TEST(PruneOutputTest, Question) {
  EXPECT_EQ(PruneQuestion(ContainerPruneWarning()),
            "WARNING! This will remove all stopped containers.\n"
            "Are you sure you want to continue?");
}

TEST(PruneOutputTest, DeletedContainers) {
  crate::v1::PruneContainersResponse r;
  EXPECT_EQ(DeletedContainersText(r), "");
  r.add_removed("aaa");
  r.add_removed("bbb");
  EXPECT_EQ(DeletedContainersText(r), "Deleted Containers:\naaa\nbbb\n");
}

TEST(PruneOutputTest, DeletedImages) {
  crate::v1::PruneImagesResponse r;
  EXPECT_EQ(DeletedImagesText(r), "");
  r.add_untagged("docker.io/library/busybox:latest");
  r.add_untagged("127.0.0.1:5000/x:1");
  r.add_deleted("sha256:0123");
  EXPECT_EQ(DeletedImagesText(r),
            "Deleted Images:\n"
            "untagged: busybox:latest\n"
            "untagged: 127.0.0.1:5000/x:1\n"
            "deleted: sha256:0123\n");
}

TEST(PruneOutputTest, DeletedVolumesAndReclaimed) {
  crate::v1::PruneVolumesResponse r;
  EXPECT_EQ(DeletedVolumesText(r), "");
  r.add_removed("v1");
  EXPECT_EQ(DeletedVolumesText(r), "Deleted Volumes:\nv1\n");
  EXPECT_EQ(ReclaimedText(0), "Total reclaimed space: 0B");
  EXPECT_EQ(ReclaimedText(4261000), "Total reclaimed space: 4.261MB");
}

}  // namespace
}  // namespace crate::cli
