#include "src/workflows/settings/settings_store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "src/archive/backup_store.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {
namespace fs = std::filesystem;
using at::settings::SettingsRecord;

namespace {

constexpr std::uintmax_t kMaxSettingsFile = 4 << 20;  // a record is a few KiB

bool is_bundle(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    char magic[8] = {};
    in.read(magic, sizeof magic);
    return in && std::string_view(magic, sizeof magic) == "CRBUNDL1";
}

SettingsRecord from_bundle(const fs::path& file) {
    auto reader = archive::BundleReader::open(file, archive::BundleReader::Check::full);
    if (reader.manifest().kind != archive::BundleKind::settings)
        throw DecodeError(fmt::format("{} is a {} bundle, not a settings bundle", file.string(),
                                      archive::to_string(reader.manifest().kind)),
                          {}, "give a settings bundle (`cellrescue backups list`) or .json file");
    const auto& entry = reader.require(kSettingsEntry);
    if (entry.size > kMaxSettingsFile)
        throw DecodeError(fmt::format("{}: settings entry of {} bytes", file.string(), entry.size));
    Bytes data = reader.read_entry(entry);
    return at::settings::record_from_text(
        std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

}  // namespace

archive::DeviceIdentity settings_identity(const SettingsRecord& r) {
    archive::DeviceIdentity id;
    if (!r.module.imei.empty()) id.imeis.push_back(r.module.imei);
    id.chip_serial = r.module.chip_serial;
    id.model = r.module.model;
    id.firmware = r.module.firmware;
    return id;
}

fs::path save_settings_bundle(const fs::path& store_dir, const SettingsRecord& record,
                              archive::DeviceIdentity identity, const std::string& label) {
    archive::DeviceIdentity own = settings_identity(record);
    for (const auto& imei : own.imeis)
        if (std::find(identity.imeis.begin(), identity.imeis.end(), imei) == identity.imeis.end())
            identity.imeis.push_back(imei);
    if (identity.chip_serial.empty()) identity.chip_serial = own.chip_serial;
    if (identity.model.empty()) identity.model = own.model;
    if (identity.firmware.empty()) identity.firmware = own.firmware;
    archive::BackupStore store(store_dir);
    fs::path path = store.new_bundle_path(archive::BundleKind::settings, identity, label);
    nlohmann::json meta{{"device", record.module.device},
                        {"vendor", std::string(at::settings::to_string(record.module.vendor))},
                        {"label", label},
                        {"settings", record.settings.size()},
                        {"unsupported", record.unsupported.size()}};
    archive::BundleWriter writer(path, archive::BundleKind::settings, identity, meta);
    std::string text = at::settings::to_json(record).dump(2) + "\n";
    writer.add(kSettingsEntry, as_bytes(text));
    writer.commit();
    spdlog::info("settings saved to {}", path.string());
    return path;
}

void write_settings_file(const SettingsRecord& record, const fs::path& file) {
    if (file.has_parent_path()) fs::create_directories(file.parent_path());
    std::string text = at::settings::to_json(record).dump(2) + "\n";
    write_file_atomically(file, as_bytes(text));
}

SettingsRecord load_settings(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
        throw NotFoundError(fmt::format("no settings file {}", file.string()), {},
                            "give a file written by `cellrescue settings save`");
    if (is_bundle(file)) return from_bundle(file);
    if (fs::file_size(file, ec) > kMaxSettingsFile)
        throw DecodeError(fmt::format("{} is too large for a settings file", file.string()));
    Bytes data = read_file(file);
    try {
        return at::settings::record_from_text(
            std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    } catch (const DecodeError& e) {
        throw DecodeError(fmt::format("{}: {}", file.string(), e.what()), e.device_state(),
                          e.next_step());
    }
}

std::optional<OwnSettings> newest_own_settings(const fs::path& store_dir,
                                               const ModuleIdentityHints& hints) {
    for (auto& own : find_own_backups(store_dir, hints, archive::BundleKind::settings)) {
        try {
            return OwnSettings{own.bundle.file, own.matched_by, load_settings(own.bundle.file)};
        } catch (const Error& e) {  // a damaged one does not hide an older good one
            spdlog::warn("skipping {}: {}", own.bundle.file.string(), e.what());
        }
    }
    return std::nullopt;
}

}  // namespace cr::workflows
