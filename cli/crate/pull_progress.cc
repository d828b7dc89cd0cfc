#include "cli/crate/pull_progress.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/crate/humanize.h"
#include "cli/crate/image_names.h"

namespace crate::cli {
namespace {

constexpr int kBarWidth = 50;

std::string LayerId(const std::string& digest) { return ShortId(digest); }

std::string LayerText(const crate::v1::LayerProgress& l) {
  switch (l.state()) {
    case crate::v1::LayerProgress::WAITING:
      return "Waiting";
    case crate::v1::LayerProgress::DOWNLOADING:
      if (l.bytes_total() > 0 && l.bytes_done() >= l.bytes_total()) {
        return "Download complete";
      }
      return absl::StrCat("Downloading ",
                          ProgressBar(l.bytes_done(), l.bytes_total()));
    case crate::v1::LayerProgress::DONE:
      return "Pull complete";
    case crate::v1::LayerProgress::EXISTS:
      return "Already exists";
    default:
      return "";
  }
}

}  // namespace

std::string ProgressBar(uint64_t done, uint64_t total) {
  if (total == 0) return HumanSize(static_cast<double>(done));
  int filled = static_cast<int>(kBarWidth * std::min(done, total) / total);
  std::string bar = "[";
  bar.append(filled, '=');
  if (filled < kBarWidth) {
    bar += '>';
    bar.append(kBarWidth - filled - 1, ' ');
  }
  return absl::StrCat(bar, "] ", HumanSize(static_cast<double>(done)), "/",
                      HumanSize(static_cast<double>(total)));
}

PullPrinter::PullPrinter(std::string requested, std::string previous_id,
                         PullDisplay display, Sink sink)
    : requested_(std::move(requested)),
      previous_id_(std::move(previous_id)),
      display_(display),
      sink_(std::move(sink)) {}

void PullPrinter::Begin(const std::string& reference) {
  begun_ = true;
  if (display_.quiet) return;
  if (!HasTagOrDigest(requested_)) sink_("Using default tag: latest\n");
  std::string name = reference;
  absl::string_view path = name;
  absl::ConsumePrefix(&path, "docker.io/");
  std::string from;
  std::string label;
  if (size_t at = path.find('@'); at != absl::string_view::npos) {
    from = std::string(path.substr(0, at));
    label = std::string(path.substr(at + 1));
  } else {
    auto [repo, tag] = SplitRepoTag(path);
    from = repo;
    label = tag.empty() ? "latest" : tag;
  }
  sink_(absl::StrCat(label, ": Pulling from ", from, "\n"));
}

void PullPrinter::Plain(const crate::v1::LayerProgress& layer) {
  auto it = layers_.find(layer.digest());
  std::string before = it == layers_.end() ? "" : LayerText(it->second);
  std::string now = LayerText(layer);
  if (it == layers_.end()) {
    sink_(absl::StrCat(LayerId(layer.digest()), ": Pulling fs layer\n"));
  }
  // Byte counts change all the time; the lines say only what happened.
  if (layer.state() == crate::v1::LayerProgress::DOWNLOADING &&
      now != "Download complete") {
    return;
  }
  if (now != before && !now.empty()) {
    sink_(absl::StrCat(LayerId(layer.digest()), ": ", now, "\n"));
  }
}

void PullPrinter::Redraw() {
  std::string out;
  if (drawn_ > 0) absl::StrAppend(&out, "\x1b[", drawn_, "A");
  for (const std::string& d : order_) {
    absl::StrAppend(&out, "\r\x1b[2K", LayerId(d), ": ", LayerText(layers_[d]),
                    "\n");
  }
  drawn_ = order_.size();
  sink_(out);
}

void PullPrinter::Update(const crate::v1::PullImageProgress& progress) {
  if (!begun_) Begin(progress.reference());
  for (const crate::v1::LayerProgress& l : progress.layers()) {
    if (!display_.quiet && !display_.terminal) Plain(l);
    if (layers_.find(l.digest()) == layers_.end()) order_.push_back(l.digest());
    layers_[l.digest()] = l;
  }
  if (!display_.quiet && display_.terminal && !order_.empty()) Redraw();
  if (progress.has_image()) End(progress);
}

void PullPrinter::End(const crate::v1::PullImageProgress& last) {
  const std::string& reference = last.reference();
  if (!display_.quiet) {
    auto [repo, tag] = SplitRepoTag(reference);
    std::string digest;
    for (const std::string& d : last.image().digests()) {
      if (d.compare(0, d.find('@'), repo) == 0) digest = DigestPart(d);
    }
    if (digest.empty() && last.image().digests_size() > 0) {
      digest = DigestPart(last.image().digests(0));
    }
    if (!digest.empty()) sink_(absl::StrCat("Digest: ", digest, "\n"));
    sink_(absl::StrCat("Status: ",
                       last.image().id() != previous_id_
                           ? "Downloaded newer image for "
                           : "Image is up to date for ",
                       ShortImageName(reference), "\n"));
  }
  if (display_.print_reference) sink_(absl::StrCat(reference, "\n"));
}

grpc::Status PullImage(Client& client, const std::string& reference,
                       const std::string& platform, const PullDisplay& display,
                       std::FILE* out) {
  crate::v1::PullImageRequest request;
  request.set_reference(reference);
  request.set_platform(platform);
  // What the name meant before, to tell a new image from the same one.
  std::string previous_id;
  {
    crate::v1::InspectImageRequest inspect;
    inspect.set_image(reference);
    crate::v1::InspectImageResponse image;
    auto call = Client::Call();
    if (client.images().Inspect(call.get(), inspect, &image).ok()) {
      previous_id = image.summary().id();
    }
  }
  PullPrinter printer(reference, previous_id, display,
                      [out](absl::string_view text) {
                        std::fwrite(text.data(), 1, text.size(), out);
                        std::fflush(out);
                      });
  auto call = Client::Call(kNoDeadline);
  std::unique_ptr<grpc::ClientReader<crate::v1::PullImageProgress>> reader =
      client.images().Pull(call.get(), request);
  crate::v1::PullImageProgress progress;
  while (reader->Read(&progress)) printer.Update(progress);
  return reader->Finish();
}

}  // namespace crate::cli
