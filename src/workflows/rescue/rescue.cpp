// The rescue workflow: diagnose -> (reflash) -> back up -> repair -> verify (rescue.hpp).
#include "src/workflows/rescue/rescue.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "nv/imei.hpp"
#include "protocols/at/at_channel.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/flash/flash.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/rescue/rescue_plan.hpp"
#include "src/workflows/rescue/rescue_settings.hpp"
#include "src/workflows/rescue/rescue_verify.hpp"
#include "src/workflows/restore/restore.hpp"

namespace cr::workflows {
namespace {

using namespace rescue_detail;
constexpr Millis kComeBack{120000};  // a reset or flash until the module is back in normal mode
constexpr Millis kCfun{15000};

void say(const RescueOptions& o, const std::string& line) {
    spdlog::info("rescue: {}", line);
    if (o.narrate) o.narrate(line);
}

DiagnoseOptions diagnose_options(const RescueOptions& o) {
    DiagnoseOptions d;
    d.store_dir = o.store_dir;
    d.own_imei = o.imei;
    return d;
}

void reset_over_at(Device& device) {
    {
        auto port = device.open_at();
        at::AtChannel ch(*port);
        ch.open();
        ch.command_ok("AT+CFUN=1,1", kCfun);
    }  // the module drops the port now
    device.wait_for_mode(DeviceMode::normal, kComeBack);
}

void clear_ftm(Device& device) {
    {
        auto port = device.open_diag();
        diag::DiagClient dc(*port);
        diag::NvClient nv(dc);
        dc.control(diag::ControlMode::offline_digital);
        const std::uint8_t zero[1] = {0};
        auto r = nv.write(453, ByteView(zero, 1));
        if (!r.ok())
            throw ProtocolError(fmt::format("writing NV 453 failed: {}", r.describe()),
                                "offline (CFUN=7), FTM mode unchanged",
                                "reset the module and retry");
        dc.control(diag::ControlMode::reset);
    }
    device.wait_for_mode(DeviceMode::normal, kComeBack);
}

std::vector<std::string> own_imeis_for(const RescueReport& r, const OwnBackup* b) {
    if (b && !b->bundle.manifest.identity.imeis.empty()) return b->bundle.manifest.identity.imeis;
    return r.own_imei.empty() ? std::vector<std::string>{} : std::vector{r.own_imei};
}

void run_step(Device& device, RescueStep& step, RescueReport& r, const OwnRecords& own,
              const RescueOptions& o) {
    switch (step.action) {
        case RescueAction::take_backup: {
            BackupOptions b;
            b.store_dir = o.store_dir;
            b.model = device.is_virtual() ? r.before.observed.model : "";
            b.progress = o.progress;
            step.source = backup(device, b).bundle;
            break;
        }
        case RescueAction::flash_package: {
            FlashOptions f;
            f.package = step.source;
            f.backup_dir = o.store_dir;
            f.progress = o.progress;
            flash_package(device, f);
            device.wait_for_mode(DeviceMode::normal, kComeBack);
            break;
        }
        case RescueAction::restore_backup: {
            const OwnBackup* b = nullptr;
            for (const auto& c : own.calibration)
                if (c.bundle.file == step.source) b = &c;
            RestoreOptions ro;
            ro.source = step.source.string();
            ro.store_dir = o.store_dir;
            ro.known_own_imeis = own_imeis_for(r, b);
            ro.chip_serial = r.before.observed.chip_serial;
            ro.progress = o.progress;
            auto rep = restore(device, load_calibration(step.source), ro);
            if (!rep.verified())
                throw VerifyError(fmt::format("the restore did not read back equal ({} "
                                              "differences, first: {})",
                                              rep.differences.size(), rep.differences.front()),
                                  "calibration partly written",
                                  "run `cellrescue rescue` again; keep the backup file safe");
            break;
        }
        case RescueAction::restore_partitions: {
            PartitionRestoreRequest req;
            req.bundle = step.source;
            for (const auto& c : own.store.own)
                if (c.own.bundle.file == step.source) req.restore.only = c.content.restorable;
            req.restore.verify = true;  // each partition read back and compared (SHA-256)
            req.reset = true;
            for (const auto& p : restore_partition_bundle(device, req, o.progress))
                if (p.verified) r.partitions_restored.push_back(p.label);
            device.wait_for_mode(DeviceMode::normal, kComeBack);
            break;
        }
        case RescueAction::correct_imei: {
            nv::ImeiOverride ov;
            ov.imei = r.own_imei;
            if (own.backup_imeis.size() > 1 && own.backup_imeis.front() == r.own_imei)
                ov.imei2 = own.backup_imeis[1];
            correct_imei(device, ov, o.progress);
            break;
        }
        case RescueAction::clear_ftm:
            clear_ftm(device);
            break;
        case RescueAction::reset:
            reset_over_at(device);
            break;
    }
}

void compare(Device& device, const std::filesystem::path& backup, Verification& v,
             const RescueOptions& o);

Verification verify(Device& device, const RescueReport& r, const RescueOptions& o,
                    std::optional<Diagnosis>& after) {
    Verification v;
    {
        auto port = device.open_at();
        at::AtChannel ch(*port);
        ch.open();
        auto cfun = ch.command("AT+CFUN=1", kCfun);
        v.cfun1_accepted = cfun.ok();
        v.cfun_reply = cfun.final.line;
        auto cgsn = ch.command("AT+CGSN");
        for (const auto& l : cgsn.lines)
            if (nv::is_valid_imei(l)) v.imei = l;
    }
    v.imei_is_own = !v.imei.empty() && v.imei == r.own_imei;
    for (const auto& s : r.steps) {
        if (s.status != "done") continue;
        if (s.action == RescueAction::restore_backup) {
            compare(device, s.source, v, o);
            break;
        }
        if (s.action == RescueAction::restore_partitions) {  // read back during the restore
            v.compared_with = s.source;
            v.compared_partitions = r.partitions_restored.size();
            if (r.partitions_restored.empty())
                v.backup_differences.push_back("no partition was read back after the restore");
            break;
        }
    }
    after = diagnose(device, diagnose_options(o));
    v.healthy = after->healthy();
    return v;
}

// Every NV item and EFS file of the restored backup, read back from the module.
void compare(Device& device, const std::filesystem::path& backup, Verification& v,
             const RescueOptions& o) {
    v.compared_with = backup;
    try {
        BackupComparison c = compare_with_backup(device, backup, o.progress);
        v.compared_nv_items = c.nv_items;
        v.compared_efs_files = c.efs_files;
        v.backup_differences = std::move(c.differences);
        v.module_extras = std::move(c.extras);
    } catch (const Error& e) {
        v.compare_error = e.what();
    }
}

// After a raw efs2 restore of a module that showed no IMEI and has no calibration backup: the
// IMEI now read back comes from the module's own efs2 (the bundle was matched by its chip), so
// it is the module's own.
void adopt_restored_imei(RescueReport& r) {
    Verification& v = *r.verification;
    if (!r.own_imei.empty() || v.imei.empty() || r.partitions_restored.empty()) return;
    for (const auto& s : r.steps)
        if (s.action == RescueAction::restore_partitions && s.status == "done") {
            r.own_imei = v.imei;
            r.own_imei_source = "its own efs2, restored from " + s.source.filename().string();
            v.imei_is_own = true;
        }
}

// A verified repair ends every unfinished restore the journal holds for this module.
void close_journal(const RescueOptions& o, const ModuleIdentityHints& hints) {
    std::vector<std::string> ids;
    try {
        for (const auto& r : open_restores_of(o.store_dir, hints)) ids.push_back(r.entry.id);
        archive::StoreJournal(o.store_dir).restore_finished(ids);
    } catch (const Error& e) {
        spdlog::warn("rescue: the backup store's journal was not updated: {}", e.what());
    }
}

bool execute(Device& device, RescueReport& r, const OwnRecords& own, const RescueOptions& o) {
    for (auto& step : r.steps) {
        if (step.status != "planned") continue;
        say(o, fmt::format("{}: {}", to_string(step.action), step.description));
        try {
            run_step(device, step, r, own, o);
            step.status = "done";
        } catch (const Error& e) {
            step.status = fmt::format("failed: {}", e.what());
            say(o, step.status);
            throw;
        }
    }
    return true;
}

}  // namespace

RescueReport rescue(Device& device, const RescueOptions& o) {
    RescueReport r;
    say(o, "diagnosing");
    r.before = diagnose(device, diagnose_options(o));
    auto hints = identity_hints(device, r.before.observed, o.imei);
    OwnRecords own = own_records(o.store_dir, hints);
    establish_own_imei(r, own, o.imei);

    if (r.before.observed.vendor == "ublox") {
        r.outcome = r.before.healthy() ? RescueOutcome::healthy : RescueOutcome::needs_decision;
        for (const auto& f : r.before.findings)
            if (f.severity >= Severity::warning) r.explanation.push_back(f.id + ": " + f.remedy);
        return r;
    }
    if (firmware_broken(r.before)) {
        if (!o.package) {
            r.outcome = RescueOutcome::needs_decision;
            r.explanation = {"The firmware does not run (" + r.before.findings.front().id +
                                 "): only a reflash helps.",
                             fmt::format("Run again with --package PKG (a full firmware package "
                                         "for this model); its calibration guard backs up "
                                         "efs2/fsg/modem_st first."),
                             "Nothing was written to the module."};
            return r;
        }
        RescueStep flash{RescueAction::flash_package,
                         "reflash the firmware package (calibration partitions backed up first)",
                         *o.package};
        if (o.confirm &&
            !o.confirm(describe_plan({flash}) +
                       "then restore this module's calibration if the flash lost it")) {
            r.steps = {flash};
            r.steps[0].status = "skipped";
            r.outcome = RescueOutcome::declined;
            return r;
        }
        r.steps.push_back(flash);
        execute(device, r, own, o);
        say(o, "diagnosing after the flash");
        r.before = diagnose(device, diagnose_options(o));
    }

    std::vector<RescueStep> repair = plan_repair(r.before, own, r, r.explanation);
    if (!r.explanation.empty()) {
        r.outcome = RescueOutcome::needs_decision;
        return r;
    }
    const bool writes = std::any_of(repair.begin(), repair.end(), [](const RescueStep& s) {
        return s.action != RescueAction::take_backup;
    });
    if (writes && o.confirm && !o.confirm(describe_plan(repair))) {
        for (auto& s : repair) s.status = "skipped";
        r.steps.insert(r.steps.end(), repair.begin(), repair.end());
        r.outcome = RescueOutcome::declined;
        return r;
    }
    r.steps.insert(r.steps.end(), repair.begin(), repair.end());
    execute(device, r, own, o);
    const bool flashed = !r.steps.empty() && r.steps.front().action == RescueAction::flash_package;
    if (!writes && !flashed && r.before.healthy()) {
        if (r.before.find("restore-journal-stale")) close_journal(o, hints);
        r.outcome = RescueOutcome::healthy;
        return r;
    }
    if (r.own_imei.empty()) {  // learn it from the backup just restored
        auto again = own_records(o.store_dir, hints);
        if (!again.backup_imeis.empty()) r.own_imei = again.backup_imeis.front();
    }
    restore_own_settings(device, r, hints, o);
    say(o, "verifying");
    r.verification = verify(device, r, o, r.after);
    adopt_restored_imei(r);
    r.outcome = r.verification->ok() ? RescueOutcome::repaired : RescueOutcome::not_verified;
    if (r.settings && !r.settings->verified()) r.outcome = RescueOutcome::not_verified;
    if (r.outcome == RescueOutcome::repaired) {
        close_journal(o, hints);
        if (r.after) close_journal(o, identity_hints(device, r.after->observed, o.imei));
    }
    return r;
}

}  // namespace cr::workflows
