// Rules that weigh the calibration's completeness and interrupted restores (pure): a module
// whose IMEI is present is not healthy when its RF calibration is missing or short, when it
// stays at CFUN=5 for no other reason, or when a restore of it never finished.
#include <fmt/format.h>

#include <algorithm>

#include "src/workflows/diagnose/diagnose_evidence.hpp"
#include "src/workflows/restore/restore_marker.hpp"

namespace cr::workflows {
namespace {

bool has(const std::vector<Finding>& out, std::string_view id) {
    return std::any_of(out.begin(), out.end(), [&](const Finding& f) { return f.id == id; });
}

std::string restore_remedy(const Observation& o) {
    return fmt::format(
        "`cellrescue rescue -d {0}` restores this module's own backup again and verifies every "
        "NV item and file against it (or `cellrescue restore BACKUP -d {0}`)",
        o.device);
}

std::string edl_restore_remedy(const Observation& o) {
    return fmt::format(
        "the module is in {1}: reboot it if its firmware is intact (`cellrescue edl reset -d {0}`) "
        "or reflash it (`cellrescue rescue -d {0} --package PKG`); rescue then restores this "
        "module's own backup again and verifies it",
        o.device, o.mode == DeviceMode::edl ? "EDL" : "crash-dump mode");
}

// Everything was written, the read-back differed: the module is not what its backup holds.
// Not "interrupted": running the same restore again would most likely differ again.
void restore_verify_failed(const Observation& o, std::size_t differences,
                           std::vector<Finding>& out) {
    out.push_back(
        {"restore-verify-failed", Severity::critical,
         fmt::format("a calibration restore wrote everything, but {} NV items or EFS files read "
                     "back different from the backup",
                     differences),
         pick_evidence(o, {"DIAG EFS marker", "backup store journal"}),
         "the module refused or changed items (an item size or layout from another firmware, "
         "protected items, a full or worn EFS), or the backup is not this firmware's",
         o.mode == DeviceMode::normal
             ? fmt::format("`cellrescue restore BACKUP -d {0}` lists the differences; "
                           "`cellrescue rescue -d {0}` restores this module's own newest backup "
                           "and verifies it (a backup from another firmware may not fit)",
                           o.device)
             : edl_restore_remedy(o)});
}

void restore_interrupted(const Observation& o, std::vector<Finding>& out) {
    // The marker is written first and removed last: on the module it is the proof. With DIAG
    // answering and no marker, a journal entry only means the process died before its last
    // line (after the module was verified) or before its first write.
    const bool marker = o.restore_marker.has_value();
    const bool journal_only = !marker && !o.open_restores.empty();
    if (!marker && !journal_only) return;
    if (journal_only && o.diag_ok) {
        out.push_back({"restore-journal-stale", Severity::info,
                       "the backup store's journal shows a restore that did not log its end, but "
                       "the module carries no restore marker",
                       pick_evidence(o, {"backup store journal", "DIAG EFS marker"}),
                       "cellrescue stopped before its first write to the module or after the "
                       "module was verified (the marker is removed only then)",
                       "nothing to do; `cellrescue rescue` closes the entry"});
        return;
    }
    // The marker, when it is ours, is newer than any journal line; without it the journal
    // speaks only if every open restore of the module ended in a failed read-back.
    auto decoded = marker ? decode_marker(*o.restore_marker) : std::nullopt;
    const bool failed = decoded ? decoded->verify_failed()
                                : !o.verify_failed_restores.empty() &&
                                      o.verify_failed_restores.size() == o.open_restores.size();
    if (failed) return restore_verify_failed(o, decoded ? decoded->differences : 0, out);
    const bool edl = o.mode == DeviceMode::edl || o.mode == DeviceMode::crashdump;
    out.push_back(
        {"restore-interrupted", Severity::critical,
         marker ? "a calibration restore was interrupted: the module carries cellrescue's "
                  "restore marker, so some NV items or EFS files may be missing or old"
         : edl  ? "a calibration restore of this module never finished (backup store journal); "
                  "the module is in EDL now, so its EFS cannot be checked"
                : "a calibration restore of this module never finished (backup store journal); "
                  "its DIAG port does not answer, so the module cannot be checked",
         pick_evidence(o, {"DIAG EFS marker", "backup store journal"}),
         "the restore was killed, lost power or the module was unplugged between its first "
         "write and its verification",
         edl ? edl_restore_remedy(o) : restore_remedy(o)});
}

void calibration_incomplete(const Observation& o, const std::optional<BaselineInfo>& base,
                            std::vector<Finding>& out) {
    if (has(out, "efs2-wiped") || !o.rfnv_files) return;
    const std::size_t now = *o.rfnv_files;
    const std::size_t own = base ? base->rfnv_files : 0;
    if (now != 0 && (own == 0 || now >= own)) return;
    std::vector<Evidence> ev =
        pick_evidence(o, {"AT+CFUN?", "DIAG NV_READ 550", "DIAG EFS ls /nv/item_files/rfnv"});
    if (own)
        ev.push_back({"backup " + base->bundle.filename().string(),
                      fmt::format("{} files in /nv/item_files/rfnv", own)});
    out.push_back(
        {"calibration-incomplete", Severity::critical,
         now == 0
             ? "RF calibration (/nv/item_files/rfnv) is missing although the IMEI is present"
             : fmt::format("RF calibration is short: {} of the {} files in /nv/item_files/rfnv "
                           "that its own backup holds",
                           now, own),
         std::move(ev), "a partial or interrupted restore, or an NV/EFS reset that kept the IMEI",
         restore_remedy(o)});
}

void cfun5_unexplained(const Observation& o, std::vector<Finding>& out) {
    if (o.cfun != 5) return;
    for (auto id : {"efs2-wiped", "imei-missing", "ftm-mode", "calibration-incomplete",
                    "restore-interrupted", "restore-verify-failed"})
        if (has(out, id)) return;
    out.push_back(
        {"cfun5-unexplained", Severity::critical,
         "CFUN=5: the modem keeps the radio off although IMEI and RF calibration look present",
         pick_evidence(o, {"AT+CFUN?", "AT+CGSN", "DIAG NV_READ 550", "DIAG NV_READ 453",
                           "DIAG EFS ls /nv/item_files/rfnv"}),
         "calibration that does not load: damaged or missing items this check does not see, or "
         "calibration from another firmware baseline",
         fmt::format("compare the module with its own backup (`cellrescue backup -d {0}` then "
                     "`cellrescue backups diff OWN.crb NEW.crb`); {1}",
                     o.device, restore_remedy(o))});
}

}  // namespace

void calibration_findings(const Observation& o, const std::optional<BaselineInfo>& baseline,
                          std::vector<Finding>& out) {
    restore_interrupted(o, out);
    if (o.vendor == "ublox" || o.mode != DeviceMode::normal) return;
    calibration_incomplete(o, baseline, out);
    cfun5_unexplained(o, out);
}

}  // namespace cr::workflows
