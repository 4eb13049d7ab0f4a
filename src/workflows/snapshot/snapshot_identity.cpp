#include "src/workflows/snapshot/snapshot_identity.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "nv/imei.hpp"
#include "protocols/at/settings_client.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup_diag.hpp"
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

constexpr Millis kAtOpen{5000};

std::vector<std::string> imeis_over_at(Device& device) {
    auto port = device.open_at();
    at::AtChannel ch(*port);
    ch.open(kAtOpen);
    std::string imei = at::settings::identify_module(ch).imei;
    port->close();
    return imei.empty() ? std::vector<std::string>{} : std::vector<std::string>{imei};
}

std::vector<std::string> imeis_over_diag(Device& device) {
    auto port = device.open_diag();
    DiagLink link(*port);
    auto imeis = read_identity(link).imeis;
    port->close();
    return imeis;
}

}  // namespace

archive::DeviceIdentity identity_in_normal_mode(Device& device, std::vector<std::string>& notes) {
    archive::DeviceIdentity id;
    for (auto [how, read] :
         {std::pair{"AT", &imeis_over_at}, std::pair{"DIAG", &imeis_over_diag}}) {
        try {
            for (const auto& imei : read(device))
                if (nv::is_valid_imei(imei)) id.imeis.push_back(imei);
            if (!id.imeis.empty()) return id;
            notes.push_back(fmt::format("no valid IMEI over {}", how));
        } catch (const Error& e) {
            notes.push_back(fmt::format("IMEI over {} not read: {}", how, e.what()));
        }
    }
    return id;
}

void check_target_in_normal_mode(const archive::DeviceIdentity& snap,
                                 const archive::DeviceIdentity& device, const std::string& file,
                                 bool other) {
    if (other || snap.imeis.empty() || device.imeis.empty()) return;
    for (const auto& imei : device.imeis)
        if (std::find(snap.imeis.begin(), snap.imeis.end(), imei) != snap.imeis.end()) return;
    throw SafetyError(
        fmt::format("{} is a snapshot of another device ({}); this module shows IMEI {}", file,
                    archive::describe(snap), fmt::join(device.imeis, ", ")),
        "still in normal mode (never switched to EDL); nothing was written to the device",
        "use this module's own snapshot, or --other-device to copy the other module's "
        "partitions (its calibration only with --imei and this module's own IMEI); if this "
        "module's IMEI was changed since the snapshot, put it in EDL (`cellrescue edl enter`) "
        "and restore again: its chip serial decides there");
}

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
