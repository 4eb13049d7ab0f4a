#include "src/workflows/restore/restore_raw.hpp"

#include "nv/imei.hpp"
#include "src/archive/bundle.hpp"
#include "src/util/error.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/restore/restore.hpp"

namespace cr::workflows {

bool is_partition_bundle(const std::filesystem::path& file) {
    try {
        auto reader = archive::BundleReader::open(file, archive::BundleReader::Check::manifest);
        return reader.manifest().kind == archive::BundleKind::partition;
    } catch (const Error&) {
        return false;
    }
}

RawRestoreResult restore_raw_calibration(Device& device, const std::filesystem::path& bundle,
                                         const nv::ImeiOverride& imeis,
                                         const std::optional<std::filesystem::path>& programmer,
                                         const ProgressFn& progress) {
    if (imeis.imei) nv::require_valid_imei(*imeis.imei);
    if (imeis.imei2) nv::require_valid_imei(*imeis.imei2);
    PartitionRestoreRequest request;
    request.bundle = bundle;
    request.restore.allow_other_device = imeis.imei.has_value();
    request.edl.programmer = programmer;
    request.edl.progress = progress;
    request.reset = true;
    RawRestoreResult result;
    try {
        for (const auto& p : restore_partition_bundle(device, request, progress))
            result.partitions.push_back(p.label);
    } catch (const SafetyError& e) {
        if (imeis.imei) throw;
        throw SafetyError(e.what(), e.device_state(),
                          "if this module really should get another module's calibration, "
                          "give its own IMEI from its label: --imei IMEI (and --imei2)");
    }
    if (!imeis.imei) return result;
    device.wait_for_mode(DeviceMode::normal, Millis(120000));
    result.imeis_after = correct_imei(device, imeis, progress);
    result.imei_corrected = true;
    return result;
}

}  // namespace cr::workflows
