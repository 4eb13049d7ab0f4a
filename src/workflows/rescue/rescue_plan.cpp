#include "src/workflows/rescue/rescue_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nv/imei.hpp"
#include "src/util/error.hpp"
#include "src/workflows/restore/restore_marker.hpp"

namespace cr::workflows::rescue_detail {

OwnRecords own_records(const std::filesystem::path& store, const ModuleIdentityHints& hints) {
    OwnRecords r;
    r.store = store_backups(store, hints);
    for (const auto& c : r.store.own)
        if (c.own.bundle.manifest.kind == archive::BundleKind::calibration && !c.content.blank)
            r.calibration.push_back(c.own);
    for (const auto& b : r.calibration)
        if (!b.bundle.manifest.identity.imeis.empty()) {
            r.backup_imeis = b.bundle.manifest.identity.imeis;
            r.imei_source = b.bundle.file;
            break;
        }
    return r;
}

void establish_own_imei(RescueReport& report, const OwnRecords& own,
                        const std::optional<std::string>& imei_option) {
    const Observation& o = report.before.observed;
    std::string shown = o.imei_nv ? *o.imei_nv : o.imei_at.value_or("");
    if (imei_option) {
        nv::require_valid_imei(*imei_option);
        if (!shown.empty() && shown != *imei_option)
            throw SafetyError(fmt::format("the module shows IMEI {}, not {}", shown, *imei_option),
                              "nothing was changed",
                              "give the IMEI on this module's own label, or leave --imei out");
        if (!own.backup_imeis.empty() && std::find(own.backup_imeis.begin(), own.backup_imeis.end(),
                                                   *imei_option) == own.backup_imeis.end())
            throw SafetyError(
                fmt::format("--imei {} is not this module's: its own backup {} records {}",
                            *imei_option, own.imei_source.filename().string(),
                            own.backup_imeis.front()),
                "nothing was changed",
                "only a module's own IMEI may be written; check the label and the backup");
        report.own_imei = *imei_option;
        report.own_imei_source = "--imei";
    } else if (!shown.empty()) {
        report.own_imei = shown;
        report.own_imei_source = "the module";
    } else if (!own.backup_imeis.empty()) {
        report.own_imei = own.backup_imeis.front();
        report.own_imei_source = "backup " + own.imei_source.filename().string();
    }
}

bool firmware_broken(const Diagnosis& d) {
    if (d.find("edl-mode") || d.find("crash-dump")) return true;
    return d.find("at-port-silent") && !d.observed.diag_ok;
}

namespace {

// The findings a restore of the module's own backup repairs.
bool needs_restore(const Diagnosis& d) {
    for (auto id : {"efs2-wiped", "restore-interrupted", "restore-verify-failed",
                    "calibration-incomplete", "cfun5-unexplained"})
        if (d.find(id)) return true;
    return false;
}

// An interrupted restore is redone from the backup its marker names, when that is one of the
// module's own; otherwise from its newest own backup.
const OwnBackup* marked_backup(const Diagnosis& d, const OwnRecords& own) {
    if (!d.observed.restore_marker) return nullptr;
    auto marker = decode_marker(*d.observed.restore_marker);
    if (!marker || marker->source.empty()) return nullptr;
    std::error_code ec;
    for (const auto& b : own.calibration)
        if (b.bundle.file == marker->source ||
            std::filesystem::equivalent(b.bundle.file, marker->source, ec))
            return &b;
    return nullptr;
}

// The blank backups newer than the one chosen: named in the plan, so the choice is explained.
std::string blanks_left_out(const OwnRecords& own, const BackupCandidate* chosen) {
    std::string out;
    for (const auto& c : own.store.own) {
        if (&c == chosen) break;
        if (c.content.blank)
            out += fmt::format("; newer {} left out: {} (blank)",
                               c.own.bundle.file.filename().string(), c.content.summary);
    }
    return out;
}

RescueStep restore_step(const BackupCandidate& b, const OwnRecords& own) {
    const auto& m = b.own.bundle.manifest;
    if (m.kind == archive::BundleKind::partition) {
        std::string parts;
        for (const auto& e : b.content.restorable) parts += (parts.empty() ? "" : "+") + e;
        return {RescueAction::restore_partitions,
                fmt::format("write this module's own raw {} back from the partition backup of {} "
                            "over EDL (matched by {}; {}{}), then reset",
                            parts, m.created, b.own.matched_by, b.content.summary,
                            blanks_left_out(own, &b)),
                b.own.bundle.file};
    }
    return {RescueAction::restore_backup,
            fmt::format("restore this module's own backup from {} (matched by {}{}), then reset",
                        m.created, b.own.matched_by, blanks_left_out(own, &b)),
            b.own.bundle.file};
}

void explain_no_backup(const Diagnosis& d, const RescueReport& r, const OwnRecords& own,
                       std::vector<std::string>& out) {
    out.push_back(own.store.own.empty()
                      ? "No backup of this module exists in the backup store, so its own RF "
                        "calibration (unique to each unit, measured at the factory) cannot be "
                        "restored from here."
                      : "The backups of this module in the store are all blank (taken after its "
                        "calibration was already gone), so its own RF calibration (unique to "
                        "each unit, measured at the factory) cannot be restored from here.");
    out.push_back(r.own_imei.empty()
                      ? "Its IMEI is gone too; the label on the module shows it."
                      : fmt::format("Its IMEI is known: {} ({}).", r.own_imei, r.own_imei_source));
    out.push_back("Options, best first:");
    out.push_back(fmt::format(
        "  1. A backup from the module's earlier life (QPST .xqcn/.qcn, a cellrescue bundle, a raw "
        "efs2 image): put it in the store or run `cellrescue restore FILE -d {} --imei <label "
        "IMEI>`.",
        d.observed.device));
    out.push_back(fmt::format(
        "  2. A donor's calibration from the same model: the radio works with worse RF "
        "performance; the donor's IMEI must be replaced by this module's own: `cellrescue restore "
        "DONOR.xqcn -d {} --imei <this module's label IMEI>`.",
        d.observed.device));
    out.push_back(
        "  3. Quectel's own protected copy (AT+QPRTPARA=3), if one was made before the "
        "erase (QFirehose -e usually erased it too).");
    for (const auto& c : own.store.own) out.push_back("Left out: " + describe(c));
    for (const auto& f : own.store.unidentified)
        out.push_back(fmt::format(
            "Not matched: {} carries no IMEI, chip serial, ESN or device name, so it cannot be "
            "tied to this module (restore it by hand only if you know it is this module's).",
            f.filename().string()));
    out.push_back("Nothing was written to the module.");
}

}  // namespace

std::vector<RescueStep> plan_repair(const Diagnosis& d, const OwnRecords& own,
                                    const RescueReport& report, std::vector<std::string>& why_not) {
    std::vector<RescueStep> steps;
    const bool wiped = needs_restore(d);
    if (!wiped && own.calibration.empty())
        steps.push_back({RescueAction::take_backup,
                         "back up the calibration the module still holds (none in the store)",
                         {}});
    if (wiped) {
        const OwnBackup* marked = marked_backup(d, own);
        const BackupCandidate* best = best_backup(own.store);
        if (marked) {
            steps.push_back({RescueAction::restore_backup,
                             fmt::format("redo the interrupted restore of this module's own "
                                         "backup from {} (matched by {}), then reset",
                                         marked->bundle.manifest.created, marked->matched_by),
                             marked->bundle.file});
        } else if (best) {
            steps.push_back(restore_step(*best, own));
        } else {
            explain_no_backup(d, report, own, why_not);
            return {};
        }
    } else if (d.find("imei-missing")) {
        if (report.own_imei.empty()) {
            why_not.push_back(
                "The IMEI is missing and no record of this module's own IMEI "
                "exists: run again with --imei <the IMEI on its label>.");
            why_not.push_back("Nothing was written to the module.");
            return {};
        }
        steps.push_back({RescueAction::correct_imei,
                         fmt::format("write the module's own IMEI {} back to NV 550 ({}), then "
                                     "reset",
                                     report.own_imei, report.own_imei_source),
                         {}});
    }
    if (d.find("ftm-mode") && !wiped)
        steps.push_back({RescueAction::clear_ftm, "set NV 453 (FTM mode) to 0, then reset", {}});
    const bool resets = std::any_of(steps.begin(), steps.end(), [](const RescueStep& s) {
        return s.action != RescueAction::take_backup;
    });
    if (d.find("cfun7-pending-reset") && !resets)
        steps.push_back({RescueAction::reset,
                         "reset the module (AT+CFUN=1,1) so the written "
                         "calibration becomes live",
                         {}});
    return steps;
}

std::string describe_plan(const std::vector<RescueStep>& steps) {
    std::string out = "rescue plan:\n";
    int n = 1;
    for (const auto& s : steps)
        out += fmt::format("  {}. [{}] {}{}\n", n++, to_string(s.action), s.description,
                           s.source.empty() ? "" : " (" + s.source.string() + ")");
    return out;
}

}  // namespace cr::workflows::rescue_detail
