// Doing, for the systemd cgroup driver: a connection to systemd's manager
// over D-Bus through sd-bus, loaded with dlopen("libsystemd.so.0") when
// first needed. crate-runtime links only libc and libm; a start without
// --systemd-cgroup maps nothing more.
#ifndef CRATE_RUNTIME_CGROUPS_SYSTEMD_SD_BUS_H_
#define CRATE_RUNTIME_CGROUPS_SYSTEMD_SD_BUS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/cgroups/systemd/properties.h"

namespace crate {
namespace cgroups {
namespace systemd {

class Bus {
 public:
  // `user`: the calling user's service manager ($DBUS_SESSION_BUS_ADDRESS
  // or $XDG_RUNTIME_DIR/bus), else the system bus. Without a bus daemon,
  // the manager's own socket is used ($XDG_RUNTIME_DIR/systemd/private, or
  // /run/systemd/private for root).
  // Errors say which bus and why (no libsystemd, no socket, refused).
  static absl::StatusOr<std::unique_ptr<Bus>> Open(bool user);
  ~Bus();

  bool user() const { return user_; }
  const std::string& address() const { return address_; }

  // The manager's version number ("252.38-1~deb12u1" -> 252).
  absl::StatusOr<int> Version();
  // The manager's own cgroup ("/user.slice/user-1000.slice/user@1000.service"
  // for a user manager, "/" for the system one).
  absl::StatusOr<std::string> ControlGroup();

  // StartTransientUnit(unit, "replace", properties, []) and waits for its
  // job's JobRemoved; a job that ends other than "done" is an error.
  absl::Status StartTransientUnit(const std::string& unit,
                                  const std::vector<Property>& properties,
                                  absl::Duration timeout);
  // SetUnitProperties(unit, runtime=true, properties).
  absl::Status SetUnitProperties(const std::string& unit,
                                 const std::vector<Property>& properties);
  // StopUnit(unit, "replace") and waits; a unit that is already gone is
  // fine. Then ResetFailedUnit, so a failed unit does not linger.
  absl::Status StopUnit(const std::string& unit, absl::Duration timeout);
  absl::Status ResetFailedUnit(const std::string& unit);

  struct Api;

 private:
  Bus(const Api* api, void* bus, bool user, std::string address)
      : api_(api), bus_(bus), user_(user), address_(std::move(address)) {}

  absl::Status CallJob(const char* method, const std::string& unit,
                       const std::vector<Property>* properties,
                       absl::Duration timeout);

  const Api* api_;
  void* bus_;
  bool user_;
  std::string address_;
};

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate

#endif  // CRATE_RUNTIME_CGROUPS_SYSTEMD_SD_BUS_H_
