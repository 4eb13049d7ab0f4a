#include "src/workflows/restore/restore_steps.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "nv/efs_layout.hpp"
#include "nv/identity_items.hpp"
#include "nv/nv_catalog.hpp"
#include "src/archive/bundle.hpp"
#include "src/util/error.hpp"
#include "src/workflows/restore/restore_checks.hpp"
#include "src/workflows/restore/restore_marker.hpp"

namespace cr::workflows {

namespace {

// The virtual and real EFS2 refuse long unsynced write runs (ENOSPC); sync well before.
constexpr std::uint64_t kSyncEvery = 1u << 20;
constexpr std::array<nv::EfsGroup, 3> kRestoreOrder = {
    nv::EfsGroup::provisioning, nv::EfsGroup::efs_backup, nv::EfsGroup::nv_items};

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + (s.empty() ? "-" : s);
    return out.empty() ? "none" : out;
}

class Writer {
  public:
    Writer(DiagLink& link, RestoreReport& report, std::string spc)
        : link_(link), report_(report), spc_(std::move(spc)) {}

    void sync() {
        link_.efs.sync("/");
        unsynced_ = 0;
    }
    void account(std::uint64_t bytes) {
        unsynced_ += bytes;
        if (unsynced_ >= kSyncEvery) sync();
    }

    void nv_item(std::size_t sub, const nv::NvItem& item) {
        auto s = static_cast<std::uint16_t>(sub);
        diag::NvResult r = link_.nv.write(item.id, item.data, s);
        if (!r.ok() && r.status == static_cast<std::uint16_t>(diag::NvStatus::full)) {
            sync();
            r = link_.nv.write(item.id, item.data, s);
        }
        if (r.diag_error == diag::kBadSpcMode && !report_.spc_sent) {
            // An item this tool did not know to be protected: the SPC's first (and only) try.
            unlock_spc(link_, spc_, {fmt::format("{} sub {}", nv::nv_display_name(item.id), sub)});
            report_.spc_sent = true;
            r = link_.nv.write(item.id, item.data, s);
        }
        account(nv::kNvDataSize);
        if (r.ok()) {
            ++report_.nv_written;
            return;
        }
        ++report_.nv_failed;
        report_.differences.push_back(fmt::format("NV {} sub {}: the target refused the write ({})",
                                                  nv::nv_display_name(item.id), sub, r.describe()));
    }

    void file(const nv::EfsFile& f) {
        std::string path = nv::absolute_efs_path(f.path);
        try {
            write_once(path, f.data);
        } catch (const diag::EfsError& e) {
            if (e.err() != diag::efs::kEnospc) throw;
            sync();
            write_once(path, f.data);
        }
        account(f.data.size());
        ++report_.files_written;
    }

  private:
    void write_once(const std::string& path, ByteView data) {
        bool item = nv::is_item_file_path(path);
        if (item && data.size() <= diag::efs::kMaxGet) {
            link_.efs.put(path, data);
            return;
        }
        using namespace diag::efs;
        std::int32_t flags =
            O_WRONLY_ | O_CREAT_ | O_TRUNC_ | O_AUTODIR_ | (item ? O_ITEMFILE_ : 0);
        std::int32_t fd = link_.efs.open(path, flags, 0644);
        try {
            for (std::size_t off = 0; off < data.size(); off += kMaxRead) {
                auto n = std::min<std::size_t>(kMaxRead, data.size() - off);
                link_.efs.write(fd, static_cast<std::uint32_t>(off), data.subspan(off, n));
            }
        } catch (...) {
            try {
                link_.efs.close(fd);
            } catch (const Error&) {
            }
            throw;
        }
        link_.efs.close(fd);
    }

    DiagLink& link_;
    RestoreReport& report_;
    std::string spc_;
    std::uint64_t unsynced_ = 0;
};

// After the reset the SPC unlock is gone: send it once more (the SPC the module has now) so
// protected items can be read back; false when there are none to read or it was refused.
bool unlock_for_read_back(DiagLink& link, const nv::RestorePlan& plan,
                          const RestoreOptions& options, RestoreReport& report) {
    if (!report.spc_sent) return false;
    std::string spc = spc_after_restore(plan.content, options.spc);
    try {
        link.diag.send_spc(spc);
        return true;
    } catch (const ProtocolError& e) {
        report.notes.push_back(fmt::format(
            "the SPC was refused at read-back ({}): protected items are not verified", e.what()));
        return false;
    }
}

// Judges one written item by its read-back. Refusals that say nothing about the value
// (write-only items, protected items without the SPC) are "not verified", not differences.
void verify_item(std::size_t sub, const nv::NvItem& item, const diag::NvResult& r,
                 bool protected_readable, RestoreReport& report) {
    std::string name = fmt::format("NV {} sub {}", nv::nv_display_name(item.id), sub);
    if (r.ok()) {
        if (!std::equal(item.data.begin(), item.data.end(), r.data.begin()))
            report.differences.push_back(name + ": differs after restore");
        return;
    }
    if (r.diag_error == diag::kBadParm) {
        report.unverified.push_back(name + ": written; this firmware does not let it be read back");
        return;
    }
    if (r.diag_error == diag::kBadSpcMode && !protected_readable) {
        report.unverified.push_back(name +
                                    ": written; protected, and the SPC was not accepted "
                                    "for the read-back");
        return;
    }
    report.differences.push_back(
        fmt::format("{}: not readable after restore ({})", name, r.describe()));
}

}  // namespace

TargetFacts read_target_facts(DiagLink& link) {
    TargetFacts t;
    t.identity = read_identity(link);
    diag::NvResult meid = link.nv.read(nv::item::meid);
    if (meid.ok()) t.meid = nv::identity_value(nv::identity_items()[3], meid.data);
    t.model.model_id = t.identity.mobile_model_id;
    t.model.firmware = t.identity.firmware;
    return t;
}

nv::RestorePlan prepare_restore(DiagLink& link, const nv::Calibration& backup,
                                const RestoreOptions& options, RestoreReport& report) {
    // Plan: who the target is and what may be written to it (pure, nv/restore_plan).
    TargetFacts target = read_target_facts(link);
    nv::TargetIdentity t = to_target_identity(target.identity);
    t.meid = target.meid;
    t.chip_serial = options.chip_serial;
    t.known_own_imeis = options.known_own_imeis;
    report.target_imeis_before = target.identity.imeis;
    report.target_esn = target.identity.esn;
    nv::RestorePlan plan = nv::plan_restore(backup, t, options.imeis);
    report.match = plan.match;
    report.backup_imeis = plan.backup_imeis;
    report.identity = plan.identity;
    report.notes = plan.notes;
    report.written_imeis = plan.written_imeis;  // planned; verify_restore reads what is there
    if (options.skip_spc_items) leave_out_protected(plan, report);
    // Checks: the model, then (after the user agreed) the SPC; nothing is written before.
    check_model(nv::compare_models(nv::backup_model(backup), target.model),
                options.allow_other_model, report);
    report.spc_items = protected_items(plan.content);
    std::string question = fmt::format(
        "Restore {} NV items and {} EFS files ({}; backup IMEI {}, target IMEI {}, writing IMEI "
        "{})?",
        nv::nv_item_count(plan.content), nv::efs_file_count(plan.content), to_string(plan.match),
        join(plan.backup_imeis), join(target.identity.imeis), join(plan.written_imeis));
    if (options.confirm && !options.confirm(question))
        throw SafetyError("restore cancelled", "nothing was written; the device is unchanged",
                          "run it again and confirm, or pass --yes");
    if (!report.spc_items.empty()) {
        unlock_spc(link, options.spc, report.spc_items);
        report.spc_sent = true;
    }
    return plan;
}

void write_restore(DiagLink& link, const nv::RestorePlan& plan, const RestoreOptions& options,
                   RestoreReport& report) {
    const nv::Calibration& cal = plan.content;
    Writer writer(link, report, options.spc);
    write_restore_marker(link.efs, {options.source, archive::utc_now_iso8601(),
                                    nv::nv_item_count(cal), nv::efs_file_count(cal)});
    link.diag.control(diag::ControlMode::offline_digital);
    std::size_t total = nv::nv_item_count(cal), done = 0;
    for (std::size_t s = 0; s < nv::kSubscriptions; ++s)
        for (const auto& item : cal.nv[s]) {
            writer.nv_item(s, item);
            cr::report(options.progress, {"restore NV items", "items", ++done, total, false});
        }
    cr::report(options.progress, {"restore NV items", "items", done, total, true});
    writer.sync();
    total = nv::efs_file_count(cal);
    done = 0;
    for (nv::EfsGroup g : kRestoreOrder)
        for (const auto& f : cal.files(g)) {
            writer.file(f);
            cr::report(options.progress, {"restore EFS files", "files", ++done, total, false});
        }
    writer.sync();
    cr::report(options.progress, {"restore EFS files", "files", done, total, true});
}

void verify_restore(DiagLink& link, const nv::RestorePlan& plan, const RestoreOptions& options,
                    RestoreReport& report) {
    const nv::Calibration& cal = plan.content;
    std::size_t total = nv::nv_item_count(cal) + nv::efs_file_count(cal), done = 0;
    bool protected_readable = unlock_for_read_back(link, plan, options, report);
    std::vector<std::pair<std::size_t, const nv::NvItem*>> items;
    std::vector<diag::NvReadRequest> requests;
    for (std::size_t s = 0; s < nv::kSubscriptions; ++s)
        for (const auto& item : cal.nv[s]) {
            items.emplace_back(s, &item);
            requests.push_back(nv_read_request({item.id, s, item.sub_index, item.sub_index != 0}));
        }
    auto results = read_nv_results(link, requests, [&](std::size_t n) {
        cr::report(options.progress, {"verify", "items", n, total, false});
    });
    for (std::size_t i = 0; i < items.size(); ++i)
        verify_item(items[i].first, *items[i].second, results[i], protected_readable, report);
    done = items.size();
    std::vector<const nv::EfsFile*> planned;
    std::vector<diag::EfsFileToRead> to_read;
    for (nv::EfsGroup g : kRestoreOrder)
        for (const auto& f : cal.files(g)) {
            planned.push_back(&f);
            to_read.push_back(
                {nv::absolute_efs_path(f.path), static_cast<std::uint32_t>(f.data.size())});
        }
    const std::size_t items_done = done;
    auto got = link.efs.read_files(to_read, [&](std::size_t n) {
        cr::report(options.progress, {"verify", "items", items_done + n, total, false});
    });
    for (std::size_t i = 0; i < planned.size(); ++i) {
        const std::string& path = to_read[i].path;
        if (got[i].err != 0)
            report.differences.push_back(
                fmt::format("EFS {}: {}", path, diag::EfsError(got[i].err, "GET", path).what()));
        else if (got[i].data != planned[i]->data)
            report.differences.push_back(
                fmt::format("EFS {}: differs after restore ({} vs {} bytes)", path,
                            got[i].data.size(), planned[i]->data.size()));
    }
    done += planned.size();
    cr::report(options.progress, {"verify", "items", done, total, true});
    report.written_imeis = read_identity(link).imeis;
}

}  // namespace cr::workflows
