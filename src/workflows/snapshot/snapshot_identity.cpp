#include "src/workflows/snapshot/snapshot_identity.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "nv/imei.hpp"
#include "src/util/error.hpp"
#include "src/workflows/flash/flash_edl.hpp"

namespace cr::workflows::snapshot {
namespace {

// "05B9BEB1" -> "0x05b9beb1" (the form Sahara's serial is recorded in); "" when not hex.
std::string chip_serial_from_bus(const std::string& text) {
    std::uint32_t v = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v, 16);
    if (text.empty() || text.size() > 8 || ec != std::errc() || p != end || v == 0) return {};
    return fmt::format("{:#010x}", v);
}

}  // namespace

archive::DeviceIdentity identity_in_edl(EdlSession& session, const std::string& model) {
    archive::DeviceIdentity id = edl_identity(session, model);
    if (id.chip_serial.empty())
        id.chip_serial = chip_serial_from_bus(session.device().edl_serial());
    return id;
}

Match check_target(const archive::DeviceIdentity& snap, const archive::DeviceIdentity& device,
                   const std::string& file, bool other) {
    if (archive::same_device(snap, device)) return Match::same;
    if (device.chip_serial.empty() && device.imeis.empty() && !other)
        throw SafetyError(
            fmt::format("cannot tell whether {} ({}) belongs to this device: the programmer "
                        "was already running and the bus shows no chip serial",
                        file, archive::describe(snap)),
            "in EDL, Firehose running; nothing was written to the device",
            "power-cycle the module into EDL (or `cellrescue edl reset` and enter EDL again) so "
            "Sahara reports its serial, then run the restore again");
    if (!other)
        throw SafetyError(
            fmt::format("{} is a snapshot of another device ({}); this device is {}", file,
                        archive::describe(snap), archive::describe(device)),
            "in EDL, Firehose running; nothing was written to the device",
            "use this module's own snapshot, or --other-device to copy the other module's "
            "partitions (its calibration only with --imei and this module's own IMEI)");
    spdlog::warn("restoring {} (from {}) onto another device ({}) as requested", file,
                 archive::describe(snap), archive::describe(device));
    return Match::other;
}

void check_imeis(const nv::ImeiOverride& imeis, const archive::DeviceIdentity& snap) {
    for (const auto* imei : {&imeis.imei, &imeis.imei2}) {
        if (!*imei) continue;
        nv::require_valid_imei(**imei);
        if (std::find(snap.imeis.begin(), snap.imeis.end(), **imei) != snap.imeis.end())
            throw SafetyError(
                fmt::format("--imei {} is the IMEI of the module the snapshot was taken from",
                            **imei),
                "nothing was written to the device",
                "give this module's own IMEI, from its label (a donor's IMEI is never copied)");
    }
    if (imeis.imei2 && !imeis.imei)
        throw UsageError("--imei2 needs --imei", "nothing was written to the device",
                         "give both IMEIs from the module's label");
}

}  // namespace cr::workflows::snapshot
