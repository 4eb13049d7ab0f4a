// `restore` given a raw partition bundle (efs2/fsg/modem_st images from an EDL backup): writes
// it back through P's restore_partition_bundle (identity check, verify, read-back), resets the
// module to normal mode and, when --imei is given, corrects the IMEI over DIAG (a donor's efs2
// carries the donor's IMEI).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nv/restore_plan.hpp"
#include "src/device/device.hpp"
#include "src/util/progress.hpp"

namespace cr::workflows {

// True when `file` is a bundle of kind partition (cheap manifest check; false otherwise).
bool is_partition_bundle(const std::filesystem::path& file);

struct RawRestoreResult {
    std::vector<std::string> partitions;   // labels written and verified
    std::vector<std::string> imeis_after;  // read over DIAG after the reset (if corrected)
    bool imei_corrected = false;
};

// The device must be in EDL. With imeis.imei the bundle may come from another device (the
// IMEI is then corrected, Luhn-checked); without, P's identity check refuses a foreign bundle.
RawRestoreResult restore_raw_calibration(Device& device, const std::filesystem::path& bundle,
                                         const nv::ImeiOverride& imeis,
                                         const std::optional<std::filesystem::path>& programmer,
                                         const ProgressFn& progress);

}  // namespace cr::workflows
