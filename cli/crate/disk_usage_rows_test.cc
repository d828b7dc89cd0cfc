#include "cli/crate/disk_usage_rows.h"

#include "cli/crate/row_output.h"
#include "gtest/gtest.h"

namespace crate::cli {
namespace {

crate::v1::DiskUsageResponse Usage() {
  crate::v1::DiskUsageResponse u;
  auto* used = u.add_images();
  used->set_id("sha256:aaaaaaaaaaaa0000");
  used->set_size_bytes(3000);
  used->set_shared_size_bytes(1000);
  used->set_in_use(true);
  used->set_containers(1);
  auto* unused = u.add_images();
  unused->set_id("sha256:bbbbbbbbbbbb0000");
  unused->set_size_bytes(2000);
  unused->set_shared_size_bytes(1000);
  u.set_images_bytes(4000);
  u.set_images_reclaimable_bytes(1000);
  auto* c = u.add_containers();
  c->set_id("cccccccccccc0000");
  c->set_name("web");
  c->set_size_bytes(12);
  u.set_containers_bytes(12);
  u.set_containers_reclaimable_bytes(12);
  return u;
}

TEST(DiskUsageRowsTest, SummaryTableAsDocker) {
  absl::StatusOr<std::string> out = RenderRows(
      DiskUsageRows(Usage()), "", kDiskUsageTable, DiskUsageHeaders());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n"
            "Images          2         1         4kB       1kB (25%)\n"
            "Containers      1         0         12B       12B (100%)\n"
            "Local Volumes   0         0         0B        0B\n");
}

TEST(DiskUsageRowsTest, ReclaimableText) {
  EXPECT_EQ(ReclaimableText(0, 0), "0B");
  EXPECT_EQ(ReclaimableText(0, 10), "0B (0%)");
  EXPECT_EQ(ReclaimableText(1, 3), "1B (33%)");
}

TEST(DiskUsageRowsTest, VerboseJoinsTheListings) {
  crate::v1::ImageSummary image;
  image.set_id("sha256:aaaaaaaaaaaa0000");
  image.add_names("docker.io/library/busybox:latest");
  crate::v1::ContainerSummary container;
  container.set_id("cccccccccccc0000");
  container.set_name("web");
  container.set_image("busybox");
  container.add_command("sh");
  container.set_status(crate::v1::EXITED);
  container.set_created_unix_nanos(absl::ToUnixNanos(absl::Now()));
  crate::v1::Volume data;
  data.set_name("data");
  data.add_containers("cccccccccccc0000");
  crate::v1::Volume other;
  other.set_name("other");
  other.add_containers("dddddddddddd0000");
  absl::StatusOr<std::string> out = VerboseDiskUsage(
      Usage(), {image}, {container}, {data, other}, absl::Now());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_NE(out->find("Images space usage:\n\nREPOSITORY   TAG       IMAGE ID"),
            std::string::npos)
      << *out;
  EXPECT_NE(out->find("SHARED SIZE   UNIQUE SIZE   CONTAINERS"),
            std::string::npos)
      << *out;
  EXPECT_NE(out->find("busybox      latest    aaaaaaaaaaaa"), std::string::npos)
      << *out;
  // The image the listing lacks is still there, by ID.
  EXPECT_NE(out->find("<none>       <none>    bbbbbbbbbbbb"), std::string::npos)
      << *out;
  EXPECT_NE(out->find("\nContainers space usage:\n\nCONTAINER ID   IMAGE"),
            std::string::npos)
      << *out;
  EXPECT_NE(
      out->find("cccccccccccc   busybox   \"sh\"      1               12B"),
      std::string::npos)
      << *out;
  EXPECT_NE(out->find("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     "
                      "SIZE\n"),
            std::string::npos)
      << *out;
}

}  // namespace
}  // namespace crate::cli
