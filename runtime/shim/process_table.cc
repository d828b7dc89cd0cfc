#include "runtime/shim/process_table.h"

#include <utility>

namespace crate::shim {

ShimProcess* ProcessTable::Add(const std::string& exec_id, pid_t pid) {
  auto [it, inserted] = processes_.emplace(exec_id, nullptr);
  if (!inserted) return nullptr;
  it->second = std::make_unique<ShimProcess>();
  it->second->exec_id = exec_id;
  it->second->pid = pid;
  return it->second.get();
}

ShimProcess* ProcessTable::Find(absl::string_view exec_id) {
  auto it = processes_.find(exec_id);
  return it == processes_.end() ? nullptr : it->second.get();
}

const ShimProcess* ProcessTable::Find(absl::string_view exec_id) const {
  auto it = processes_.find(exec_id);
  return it == processes_.end() ? nullptr : it->second.get();
}

ShimProcess* ProcessTable::FindRunning(pid_t pid) {
  for (auto& [id, p] : processes_) {
    if (p->pid == pid && !p->exited) return p.get();
  }
  return nullptr;
}

bool ProcessTable::Hold(ShimProcess& p, Stream stream, std::string frame) {
  if (p.held_bytes + frame.size() > kMaxHeldOutput) return false;
  p.held_bytes += frame.size();
  p.held.emplace_back(stream, std::move(frame));
  return true;
}

void ProcessTable::Exited(ShimProcess& p) {
  p.exited = true;
  if (p.is_init()) return;
  exited_order_.push_back(p.exec_id);
  while (exited_order_.size() > kMaxExitedExecs) {
    processes_.erase(exited_order_.front());
    exited_order_.pop_front();
  }
}

bool ProcessTable::AnyExecRunning() const {
  for (const auto& [id, p] : processes_) {
    if (!p->is_init() && !p->exited) return true;
  }
  return false;
}

}  // namespace crate::shim
