#include "src/workflows/rescue/backup_choice.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace cr::workflows {
namespace {

bool has_identity(const archive::BundleManifest& m) {
    const auto& id = m.identity;
    if (!id.imeis.empty() || !id.chip_serial.empty()) return true;
    for (const char* key : {"chip_serial", "esn", "device"})
        if (m.metadata.contains(key)) return true;
    return false;
}

}  // namespace

StoreBackups store_backups(const std::filesystem::path& store_dir,
                           const ModuleIdentityHints& hints) {
    StoreBackups out;
    if (store_dir.empty()) return out;
    auto cal = find_own_backups(store_dir, hints, archive::BundleKind::calibration);
    auto part = find_own_backups(store_dir, hints, archive::BundleKind::partition);
    for (auto* list : {&cal, &part})
        for (auto& b : *list) {
            BackupContent c = backup_content(b.bundle);
            out.own.push_back({std::move(b), std::move(c)});
        }
    std::stable_sort(out.own.begin(), out.own.end(),
                     [](const BackupCandidate& a, const BackupCandidate& b) {
                         return a.own.bundle.manifest.created > b.own.bundle.manifest.created;
                     });
    for (const auto& b : archive::BackupStore(store_dir).list())
        if (b.readable &&
            (b.manifest.kind == archive::BundleKind::calibration ||
             b.manifest.kind == archive::BundleKind::partition) &&
            !has_identity(b.manifest))
            out.unidentified.push_back(b.file);
    return out;
}

const BackupCandidate* best_backup(const StoreBackups& backups) {
    for (const auto& c : backups.own)
        if (!c.content.blank) return &c;
    return nullptr;
}

std::string describe(const BackupCandidate& c) {
    const auto& m = c.own.bundle.manifest;
    return fmt::format("{}: {} bundle of {}, matched by {}; {}{}",
                       c.own.bundle.file.filename().string(), archive::to_string(m.kind), m.created,
                       c.own.matched_by, c.content.summary,
                       c.content.blank ? ": BLANK, never chosen" : "");
}

}  // namespace cr::workflows
