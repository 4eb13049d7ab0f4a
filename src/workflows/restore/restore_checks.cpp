#include "src/workflows/restore/restore_checks.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nv/efs_layout.hpp"
#include "nv/nv_catalog.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {
namespace {

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
    return out;
}

bool six_digits(std::string_view s) {
    return s.size() == 6 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

void check_model(const nv::ModelComparison& c, bool allow, RestoreReport& report) {
    report.model = c.notes;
    if (c.same()) return;
    if (allow) {
        report.model_differences = c.differences;
        report.notes.push_back("restored across models (--allow-other-model): " +
                               join(c.differences, "; "));
        return;
    }
    throw SafetyError(
        fmt::format("the backup was made on another model: {}", join(c.differences, "; ")),
        "nothing was written; the module is unchanged",
        "use a backup of this module (or of the same model and variant); RF calibration is "
        "tuned to a variant's bands, so another variant's may leave bands dead or weak. To "
        "restore it anyway, add --allow-other-model");
}

std::vector<std::string> protected_items(const nv::Calibration& content) {
    std::vector<std::string> out;
    for (std::size_t s = 0; s < nv::kSubscriptions; ++s)
        for (const auto& item : content.nv[s])
            if (nv::is_spc_protected(item.id))
                out.push_back(fmt::format("{} sub {}", nv::nv_display_name(item.id), s));
    return out;
}

void leave_out_protected(nv::RestorePlan& plan, RestoreReport& report) {
    std::vector<std::string> left = protected_items(plan.content);
    if (left.empty()) return;
    for (auto& items : plan.content.nv)
        items.erase(std::remove_if(items.begin(), items.end(),
                                   [](const nv::NvItem& i) { return nv::is_spc_protected(i.id); }),
                    items.end());
    for (auto& group : plan.content.efs)
        group.erase(std::remove_if(group.begin(), group.end(),
                                   [](const nv::EfsFile& f) {
                                       auto ref =
                                           nv::parse_nv_file_path(nv::absolute_efs_path(f.path));
                                       return ref && nv::is_spc_protected(ref->id);
                                   }),
                    group.end());
    report.notes.push_back("left out (--skip-spc-items): " + join(left));
}

void unlock_spc(DiagLink& link, std::string_view spc, const std::vector<std::string>& items) {
    try {
        link.diag.send_spc(spc);
    } catch (const diag::DiagCommandError& e) {
        throw ProtocolError(
            fmt::format("the module refused the SPC command ({}); the backup holds SPC-protected "
                        "items: {}",
                        e.what(), join(items)),
            "nothing was written; the module is unchanged",
            "this firmware may not take the SPC over DIAG: leave those items out with "
            "--skip-spc-items");
    } catch (const UsageError&) {
        throw;
    } catch (const ProtocolError&) {
        throw ProtocolError(
            fmt::format("the module rejected SPC {} (sent once, NOT retried: wrong codes lock the "
                        "module out); the backup holds SPC-protected items: {}",
                        spc, join(items)),
            "nothing was written; the module is unchanged but counted one wrong SPC attempt",
            "give the module's SPC with --spc CODE (QPST's default is 000000; carriers may set "
            "their own; a reset clears a lockout), or restore without those items: "
            "--skip-spc-items");
    }
}

std::string spc_after_restore(const nv::Calibration& content, std::string_view given) {
    if (const nv::NvItem* spc = nv::find_item(content, 0, nv::item::sec_code)) {
        std::string code(spc->data.begin(), spc->data.begin() + 6);
        if (six_digits(code)) return code;
    }
    return std::string(given);
}

}  // namespace cr::workflows
