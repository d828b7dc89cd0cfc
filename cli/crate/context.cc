#include "cli/crate/context.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace crate::cli {
namespace {

std::map<const CLI::App*, std::string>& Usages() {
  static auto* usages = new std::map<const CLI::App*, std::string>;
  return *usages;
}

}  // namespace

absl::StatusOr<Client*> Context::client() {
  if (client_ == nullptr) {
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(connect);
    if (!c.ok()) return c.status();
    client_ = *std::move(c);
  }
  return client_.get();
}

void OnRun(CLI::App* app, Context& ctx, std::function<int()> action) {
  app->callback([&ctx, action = std::move(action)] { ctx.set_action(action); });
}

void SetUsage(CLI::App* app, std::string usage) {
  Usages()[app] = std::move(usage);
}

std::string UsageFormatter::make_usage(const CLI::App* app,
                                       std::string name) const {
  auto it = Usages().find(app);
  if (it == Usages().end()) {
    return CLI::Formatter::make_usage(app, CommandPath(app));
  }
  return absl::StrCat("Usage: ", CommandPath(app), " ", it->second, "\n");
}

std::string CommandPath(const CLI::App* app) {
  std::string path = app->get_name();
  for (const CLI::App* p = app->get_parent(); p != nullptr;
       p = p->get_parent()) {
    path = absl::StrCat(p->get_name(), " ", path);
  }
  return path;
}

}  // namespace crate::cli
