#include "src/workflows/restore/restore.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "src/archive/bundle.hpp"
#include "src/archive/store_journal.hpp"
#include "src/util/error.hpp"
#include "src/workflows/restore/restore_marker.hpp"
#include "src/workflows/restore/restore_steps.hpp"

namespace cr::workflows {

namespace {

constexpr Millis kResetTimeout{60000};

void add_traffic(DiagTraffic& total, const DiagTraffic& more) {
    total.round_trips += more.round_trips;
    total.bytes += more.bytes;
}

// RESET, then wait until the module is back with its DIAG port.
void reset_and_wait(DiagLink& link, Device& device) {
    link.diag.control(diag::ControlMode::reset);
    device.wait_for_mode(DeviceMode::normal, kResetTimeout);
}

// The journal entry a restore starts with (none without a store).
std::string journal_start(const Device& device, const RestoreOptions& options,
                          const RestoreReport& report) {
    if (options.store_dir.empty()) return {};
    archive::JournalDevice d{device.name(), device.is_virtual(), report.target_imeis_before,
                             options.chip_serial, report.target_esn};
    for (const auto& imei : report.written_imeis)  // the plan's: what the module will hold
        if (!imei.empty() && std::find(d.imeis.begin(), d.imeis.end(), imei) == d.imeis.end())
            d.imeis.push_back(imei);
    return archive::StoreJournal(options.store_dir).restore_started(options.source, d);
}

// Everything was written but the module does not read back as the backup: the marker and the
// journal say so ("verify-failed", not "interrupted"). Best effort: if rewriting the marker
// fails, the one written at the start still says the restore is unfinished.
void record_verify_failure(DiagLink& link, const RestoreOptions& options,
                           const RestoreReport& report, const std::string& journal_id) {
    const std::size_t n = report.differences.size();
    try {
        auto text = read_restore_marker(link.efs);
        auto marker = text ? decode_marker(*text) : std::nullopt;
        mark_restore_verify_failed(
            link.efs, marker.value_or(RestoreMarker{options.source, archive::utc_now_iso8601()}),
            n);
    } catch (const Error& e) {
        spdlog::warn("restore: the marker could not be updated to verify-failed: {}", e.what());
    }
    if (!journal_id.empty())
        archive::StoreJournal(options.store_dir).restore_verify_failed(journal_id, n);
}

}  // namespace

RestoreReport restore(Device& device, const nv::Calibration& backup,
                      const RestoreOptions& options) {
    RestoreReport report;
    std::string journal_id;
    {
        std::unique_ptr<Transport> port = device.open_diag();
        DiagLink link(*port, options.pipeline);
        nv::RestorePlan plan = prepare_restore(link, backup, options, report);
        journal_id = journal_start(device, options, report);
        write_restore(link, plan, options, report);
        verify_restore(link, plan, options, report);
        if (report.verified()) {
            remove_restore_marker(link.efs);
            report.marker_removed = true;
        } else {
            record_verify_failure(link, options, report, journal_id);
        }
        if (options.reset_after) reset_and_wait(link, device);
        add_traffic(report.traffic, link.traffic());
    }
    if (options.reset_after) {  // what NV 550 holds once the module runs again
        std::unique_ptr<Transport> port = device.open_diag();
        DiagLink link(*port, options.pipeline);
        report.written_imeis = read_identity(link).imeis;
        add_traffic(report.traffic, link.traffic());
    }
    if (report.marker_removed && !journal_id.empty())
        archive::StoreJournal(options.store_dir).restore_finished({journal_id});
    return report;
}

RestoreReport restore_over(Transport& diag, const nv::Calibration& backup,
                           const RestoreOptions& options) {
    RestoreReport report;
    DiagLink link(diag, options.pipeline);
    nv::RestorePlan plan = prepare_restore(link, backup, options, report);
    write_restore(link, plan, options, report);
    verify_restore(link, plan, options, report);
    if (report.verified()) {
        remove_restore_marker(link.efs);
        report.marker_removed = true;
    } else {
        record_verify_failure(link, options, report, {});
    }
    if (options.reset_after) link.diag.control(diag::ControlMode::reset);
    report.traffic = link.traffic();
    return report;
}

std::vector<std::string> correct_imei(Device& device, const nv::ImeiOverride& imeis,
                                      const ProgressFn& progress) {
    if (!imeis.imei)
        throw UsageError("IMEI correction needs --imei (the module's own, from its label)");
    nv::require_valid_imei(*imeis.imei);
    if (imeis.imei2) nv::require_valid_imei(*imeis.imei2);
    {
        std::unique_ptr<Transport> port = device.open_diag();
        DiagLink link(*port);
        link.diag.control(diag::ControlMode::offline_digital);
        std::vector<std::pair<std::uint16_t, std::string>> writes{{0, *imeis.imei}};
        if (imeis.imei2) writes.emplace_back(1, *imeis.imei2);
        for (const auto& [sub, imei] : writes) {
            diag::NvResult r = link.nv.write(nv::item::ue_imei, nv::encode_imei_nv(imei), sub);
            if (!r.ok())
                throw ProtocolError(
                    fmt::format("writing the IMEI (NV 550 sub {}) failed: {}", sub, r.describe()),
                    "offline (CFUN=7); the IMEI may be unchanged",
                    "reset the module (`cellrescue diag mode reset`) and retry");
            report(progress, {"correct IMEI", "items", sub + 1u, writes.size(), false});
        }
        link.efs.sync("/");
        reset_and_wait(link, device);
    }
    std::unique_ptr<Transport> port = device.open_diag();
    DiagLink link(*port);
    std::vector<std::string> now = read_identity(link).imeis;
    if (now.empty() || now[0] != *imeis.imei ||
        (imeis.imei2 && (now.size() < 2 || now[1] != *imeis.imei2)))
        throw VerifyError("the IMEI read back after the correction is not the one written",
                          "the module is online; its IMEI may be wrong",
                          "run `cellrescue info` and retry the correction");
    return now;
}

}  // namespace cr::workflows
