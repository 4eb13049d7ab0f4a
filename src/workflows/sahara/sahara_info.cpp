#include "src/workflows/sahara/sahara_info.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr::workflows {
namespace {

void read_edl(Device& device, DeviceInfo& info, const InfoOptions& options) {
    auto port = device.open_edl();
    sahara::ClientOptions o;
    o.hello_timeout = options.hello_timeout;
    sahara::Client client(*port, o);
    try {
        info.hello = client.wait_hello();
    } catch (const sahara::FirehoseRunningError&) {
        info.firehose_running = true;
        info.notes.push_back(
            "a Firehose programmer runs already, so the chip identity cannot be read now; "
            "Firehose commands (`cellrescue edl partitions`) work, or power-cycle the module "
            "into EDL to read the identity");
        return;
    } catch (const TimeoutError&) {
        // No Sahara target: a Firehose programmer already runs (it ignores Sahara packets).
        info.firehose_running = true;
        info.notes.push_back(
            "no Sahara HELLO: a Firehose programmer is probably running already, so the chip "
            "identity cannot be read now; Firehose commands (`cellrescue edl partitions`) work, "
            "or power-cycle the module into EDL to read the identity");
        return;
    }
    if (info.hello->mode == sahara::Mode::memory_debug) {
        info.notes.push_back(
            "the module crashed into memory-debug (RAM dump) mode: save the dump with "
            "`cellrescue edl ramdump -o DIR -d " +
            info.device + "`; it reboots afterwards");
        return;
    }
    info.chip = client.read_identity();
    info.notes.push_back(
        "the module waits in EDL (Sahara) for a Firehose programmer: "
        "`cellrescue edl load PROGRAMMER -d " +
        info.device + "`");
}

}  // namespace

std::string hex32(std::uint32_t value) {
    return fmt::format("{:#010x}", value);
}

DeviceInfo read_device_info(Device& device, const InfoOptions& options) {
    DeviceInfo info;
    info.device = device.name();
    info.is_virtual = device.is_virtual();
    info.mode = device.mode();
    switch (info.mode) {
        case DeviceMode::edl:
        case DeviceMode::crashdump:
            read_edl(device, info, options);
            break;
        case DeviceMode::normal:
            info.notes.push_back(fmt::format(
                "the module runs normally: firmware, IMEI and CFUN come from DIAG/AT, see "
                "`cellrescue diagnose -d {}`; the chip identity (Sahara) is read in EDL",
                info.device));
            break;
        case DeviceMode::absent:
            info.notes.push_back(
                "the device is not attached: check the cable and `cellrescue devices`");
            break;
    }
    return info;
}

nlohmann::json info_to_json(const DeviceInfo& info) {
    nlohmann::json j;
    j["device"] = info.device;
    j["virtual"] = info.is_virtual;
    j["mode"] = std::string(to_string(info.mode));
    j["firehose_running"] = info.firehose_running;
    if (info.hello) {
        j["sahara"] = {{"version", info.hello->version},
                       {"version_compatible", info.hello->version_compatible},
                       {"mode", std::string(sahara::mode_name(info.hello->mode))}};
    }
    if (const auto& c = info.chip) {
        auto msm = c->msm_hw_id();
        j["msm_hw_id"] = msm ? nlohmann::json(hex32(*msm)) : nlohmann::json(nullptr);
        j["serial"] = c->serial ? nlohmann::json(hex32(*c->serial)) : nlohmann::json(nullptr);
        j["pk_hash"] = c->pk_hash_hex ? nlohmann::json(*c->pk_hash_hex) : nlohmann::json(nullptr);
        j["sbl_version"] =
            c->sbl_version ? nlohmann::json(hex32(*c->sbl_version)) : nlohmann::json(nullptr);
        if (auto id = c->hw_id ? c->hw_id : c->chip_id_v3) {
            j["oem_id"] = fmt::format("{:#06x}", id->oem_id);
            j["model_id"] = fmt::format("{:#06x}", id->model_id);
        }
        j["refused"] = c->refused;
    }
    j["notes"] = info.notes;
    return j;
}

std::string info_to_text(const DeviceInfo& info) {
    std::string out = fmt::format("device       {}{}\nmode         {}{}\n", info.device,
                                  info.is_virtual ? " (virtual)" : "", to_string(info.mode),
                                  info.firehose_running ? " (Firehose running)" : "");
    if (info.hello)
        out += fmt::format("sahara       version {} ({})\n", info.hello->version,
                           sahara::mode_name(info.hello->mode));
    if (const auto& c = info.chip) {
        auto field = [](const auto& v, auto fmt_fn) {
            return v ? fmt_fn(*v) : std::string("(refused)");
        };
        out += fmt::format("MSM HW ID    {}\n",
                           field(c->msm_hw_id(), [](std::uint32_t v) { return hex32(v); }));
        out += fmt::format("serial       {}\n",
                           field(c->serial, [](std::uint32_t v) { return hex32(v); }));
        out += fmt::format("OEM PK hash  {}\n",
                           field(c->pk_hash_hex, [](const std::string& v) { return v; }));
        out += fmt::format("SBL version  {}\n",
                           field(c->sbl_version, [](std::uint32_t v) { return hex32(v); }));
        for (const auto& r : c->refused) out += fmt::format("refused      {}\n", r);
    }
    for (const auto& n : info.notes) out += "note         " + n + "\n";
    return out;
}

}  // namespace cr::workflows
