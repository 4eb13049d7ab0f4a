// Which module a snapshot belongs to, and whether a restore may write it onto this one.
//
// The identity is the chip serial (Sahara), or, when the programmer was already running (no
// Sahara: the session reused it), the serial the USB bus shows for the EDL device (iProduct
// `_SN:`, the same number). A module that shows neither (PCIe with a running programmer) has
// no identity in EDL: a restore is refused until it comes up through Sahara.
//
// Restoring another module's snapshot (--other-device) follows restore's IMEI rules (DESIGN.md
// safety rules): its calibration partitions carry the donor's IMEI and RF calibration, so they
// are written only with --imei (this module's own, Luhn-checked, not the donor's), and the IMEI
// is then corrected over DIAG; without --imei they are left as they are.
//
// A module met in normal mode is identified there first (its IMEI over AT, else over DIAG), so
// a snapshot of another module is refused before the module is switched to EDL; the chip-serial
// check in EDL still follows (a module whose IMEI is unreadable, blank or not Luhn-valid is
// judged there only).
#pragma once
#include <string>
#include <vector>

#include "nv/restore_plan.hpp"
#include "src/archive/bundle.hpp"
#include "src/workflows/session/edl_session.hpp"

namespace cr::workflows::snapshot {

archive::DeviceIdentity identity_in_edl(EdlSession& session, const std::string& model = {});

// The IMEI(s) a module in normal mode shows: AT+CGSN, else NV 550 over DIAG. Only Luhn-valid
// ones are kept; empty when neither port answers (why goes to `notes`). Never throws for an
// unreachable port: the EDL check decides then.
archive::DeviceIdentity identity_in_normal_mode(Device& device, std::vector<std::string>& notes);

// In normal mode, before the switch to EDL: throws SafetyError (nothing written, the module
// still in normal mode) when both sides show IMEIs, none is shared and `other_device` is not set.
void check_target_in_normal_mode(const archive::DeviceIdentity& snapshot,
                                 const archive::DeviceIdentity& device, const std::string& file,
                                 bool other_device);

enum class Match { same, other };

// Throws SafetyError (nothing written) when the snapshot is not this device's and
// `other_device` is not set, or when this device cannot be identified.
Match check_target(const archive::DeviceIdentity& snapshot, const archive::DeviceIdentity& device,
                   const std::string& file, bool other_device);

// Checks --imei/--imei2 before the device is touched: Luhn, and never one of the donor's IMEIs.
// Throws UsageError / SafetyError.
void check_imeis(const nv::ImeiOverride& imeis, const archive::DeviceIdentity& snapshot);

}  // namespace cr::workflows::snapshot
