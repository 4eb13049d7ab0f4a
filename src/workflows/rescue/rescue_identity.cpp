#include "src/workflows/rescue/rescue_identity.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/workflows/backup/backup_bundle.hpp"

namespace cr::workflows {
namespace {

std::uint32_t parse_hex(const std::string& text) {
    try {
        return text.empty() ? 0 : static_cast<std::uint32_t>(std::stoul(text, nullptr, 16));
    } catch (const std::exception&) {
        return 0;
    }
}

std::uint32_t meta_u32(const nlohmann::json& meta, const char* key) {
    auto it = meta.find(key);
    return it != meta.end() && it->is_number_unsigned() ? it->get<std::uint32_t>() : 0;
}

std::optional<std::string> match(const archive::BundleManifest& m, const ModuleIdentityHints& h) {
    for (const auto& imei : h.imeis)
        if (!imei.empty() && std::find(m.identity.imeis.begin(), m.identity.imeis.end(), imei) !=
                                 m.identity.imeis.end())
            return "IMEI " + imei;
    std::uint32_t serial = parse_hex(m.identity.chip_serial);
    if (!serial) serial = meta_u32(m.metadata, "chip_serial");
    if (h.chip_serial && serial == h.chip_serial)
        return fmt::format("chip serial {:#010x}", serial);
    std::uint32_t esn = meta_u32(m.metadata, "esn");
    if (h.esn && h.esn != 0xFFFFFFFFu && esn == h.esn) return fmt::format("ESN {:#010x}", esn);
    if (h.is_virtual && !h.device_name.empty() && bundle_device_name(m) == h.device_name)
        return "device " + h.device_name;
    return std::nullopt;
}

std::optional<std::string> match(const archive::JournalDevice& d, const ModuleIdentityHints& h) {
    for (const auto& imei : h.imeis)
        if (!imei.empty() && std::find(d.imeis.begin(), d.imeis.end(), imei) != d.imeis.end())
            return "IMEI " + imei;
    if (h.chip_serial && d.chip_serial == h.chip_serial)
        return fmt::format("chip serial {:#010x}", d.chip_serial);
    if (h.esn && h.esn != 0xFFFFFFFFu && d.esn == h.esn) return fmt::format("ESN {:#010x}", d.esn);
    if (h.is_virtual && d.is_virtual && !h.device_name.empty() && d.name == h.device_name)
        return "device " + h.device_name;
    return std::nullopt;
}

}  // namespace

archive::JournalDevice journal_device(const ModuleIdentityHints& h) {
    return {h.device_name, h.is_virtual, h.imeis, h.chip_serial, h.esn};
}

std::vector<OpenRestore> open_restores_of(const std::filesystem::path& store_dir,
                                          const ModuleIdentityHints& hints) {
    std::vector<OpenRestore> out;
    if (store_dir.empty()) return out;
    for (auto& e : archive::StoreJournal(store_dir).open_restores())
        if (auto why = match(e.device, hints)) out.push_back({std::move(e), *why});
    return out;
}

std::vector<OwnBackup> find_own_backups(const std::filesystem::path& store_dir,
                                        const ModuleIdentityHints& hints,
                                        archive::BundleKind kind) {
    std::vector<OwnBackup> out;
    if (store_dir.empty()) return out;
    for (auto& b : archive::BackupStore(store_dir).list()) {
        if (!b.readable || b.manifest.kind != kind) continue;
        if (kind == archive::BundleKind::calibration && bundle_restore_incomplete(b.manifest))
            continue;
        if (auto why = match(b.manifest, hints)) out.push_back({std::move(b), *why});
    }
    return out;
}

}  // namespace cr::workflows
