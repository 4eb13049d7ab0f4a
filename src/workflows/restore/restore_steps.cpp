#include "src/workflows/restore/restore_steps.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "nv/efs_layout.hpp"
#include "nv/nv_catalog.hpp"
#include "src/util/error.hpp"

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
    Writer(DiagLink& link, RestoreReport& report) : link_(link), report_(report) {}

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
    std::uint64_t unsynced_ = 0;
};

}  // namespace

nv::RestorePlan prepare_restore(DiagLink& link, const nv::Calibration& backup,
                                const RestoreOptions& options, RestoreReport& report) {
    nv::DeviceIdentity target = read_identity(link);
    nv::TargetIdentity t = to_target_identity(target);
    t.chip_serial = options.chip_serial;
    t.known_own_imeis = options.known_own_imeis;
    report.target_imeis_before = target.imeis;
    nv::RestorePlan plan = nv::plan_restore(backup, t, options.imeis);
    report.match = plan.match;
    report.backup_imeis = plan.backup_imeis;
    report.notes = plan.notes;
    std::string question = fmt::format(
        "Restore {} NV items and {} EFS files ({}; backup IMEI {}, target IMEI {}, writing IMEI "
        "{})?",
        nv::nv_item_count(plan.content), nv::efs_file_count(plan.content), to_string(plan.match),
        join(plan.backup_imeis), join(target.imeis), join(plan.written_imeis));
    if (options.confirm && !options.confirm(question))
        throw SafetyError("restore cancelled", "nothing was written; the device is unchanged",
                          "run it again and confirm, or pass --yes");
    return plan;
}

void write_restore(DiagLink& link, const nv::RestorePlan& plan, const RestoreOptions& options,
                   RestoreReport& report) {
    const nv::Calibration& cal = plan.content;
    Writer writer(link, report);
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
    for (std::size_t s = 0; s < nv::kSubscriptions; ++s)
        for (const auto& item : cal.nv[s]) {
            nv::NvFileRef ref{item.id, s, item.sub_index, item.sub_index != 0};
            auto got = read_nv_item(link, ref);
            if (!got)
                report.differences.push_back(fmt::format("NV {} sub {}: not readable after restore",
                                                         nv::nv_display_name(item.id), s));
            else if (got->data != item.data)
                report.differences.push_back(fmt::format("NV {} sub {}: differs after restore",
                                                         nv::nv_display_name(item.id), s));
            cr::report(options.progress, {"verify", "items", ++done, total, false});
        }
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
