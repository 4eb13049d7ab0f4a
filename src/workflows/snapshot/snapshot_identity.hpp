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
#pragma once
#include <string>

#include "nv/restore_plan.hpp"
#include "src/archive/bundle.hpp"
#include "src/workflows/session/edl_session.hpp"

namespace cr::workflows::snapshot {

archive::DeviceIdentity identity_in_edl(EdlSession& session, const std::string& model = {});

enum class Match { same, other };

// Throws SafetyError (nothing written) when the snapshot is not this device's and
// `other_device` is not set, or when this device cannot be identified.
Match check_target(const archive::DeviceIdentity& snapshot, const archive::DeviceIdentity& device,
                   const std::string& file, bool other_device);

// Checks --imei/--imei2 before the device is touched: Luhn, and never one of the donor's IMEIs.
// Throws UsageError / SafetyError.
void check_imeis(const nv::ImeiOverride& imeis, const archive::DeviceIdentity& snapshot);

}  // namespace cr::workflows::snapshot
