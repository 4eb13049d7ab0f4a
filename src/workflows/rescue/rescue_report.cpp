// Rescue report: names, JSON and the text the CLI prints.
#include <fmt/format.h>

#include "src/workflows/rescue/rescue.hpp"

namespace cr::workflows {

std::string_view to_string(RescueOutcome o) {
    switch (o) {
        case RescueOutcome::healthy:
            return "healthy";
        case RescueOutcome::repaired:
            return "repaired";
        case RescueOutcome::not_verified:
            return "not-verified";
        case RescueOutcome::needs_decision:
            return "needs-decision";
        case RescueOutcome::declined:
            return "declined";
    }
    return "unknown";
}

std::string_view to_string(RescueAction a) {
    switch (a) {
        case RescueAction::take_backup:
            return "backup";
        case RescueAction::flash_package:
            return "flash";
        case RescueAction::restore_backup:
            return "restore";
        case RescueAction::restore_partitions:
            return "restore-partitions";
        case RescueAction::correct_imei:
            return "imei";
        case RescueAction::clear_ftm:
            return "ftm-off";
        case RescueAction::reset:
            return "reset";
    }
    return "unknown";
}

nlohmann::json to_json(const RescueReport& r) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.steps)
        steps.push_back({{"action", std::string(to_string(s.action))},
                         {"description", s.description},
                         {"source", s.source.string()},
                         {"status", s.status}});
    nlohmann::json j{{"outcome", std::string(to_string(r.outcome))},
                     {"own_imei", r.own_imei},
                     {"own_imei_source", r.own_imei_source},
                     {"before", to_json(r.before)},
                     {"steps", steps},
                     {"explanation", r.explanation}};
    if (r.after) j["after"] = to_json(*r.after);
    if (r.verification)
        j["verification"] = {{"cfun1_accepted", r.verification->cfun1_accepted},
                             {"cfun1_reply", r.verification->cfun_reply},
                             {"imei", r.verification->imei},
                             {"imei_is_own", r.verification->imei_is_own},
                             {"healthy", r.verification->healthy},
                             {"compared_with", r.verification->compared_with.string()},
                             {"compared_nv_items", r.verification->compared_nv_items},
                             {"compared_efs_files", r.verification->compared_efs_files},
                             {"compared_partitions", r.verification->compared_partitions},
                             {"backup_differences", r.verification->backup_differences},
                             {"module_extras", r.verification->module_extras},
                             {"compare_error", r.verification->compare_error},
                             {"matches_backup", r.verification->matches_backup()},
                             {"ok", r.verification->ok()}};
    j["settings"] = r.settings ? to_json(*r.settings) : nlohmann::json();
    j["settings_note"] = r.settings_note;
    return j;
}

namespace {

std::string finding_ids(const Diagnosis& d) {
    std::string out;
    for (const auto& f : d.findings) out += (out.empty() ? "" : ", ") + f.id;
    return out;
}

// What the read-back against the restored backup showed, exactly (the first differences).
std::string describe_comparison(const Verification& v) {
    if (!v.compare_error.empty())
        return fmt::format("verify:    NOT compared with {}: the module could not be read ({})\n",
                           v.compared_with.filename().string(), v.compare_error);
    if (v.compared_partitions)
        return fmt::format("verify:    {} partition(s) of {} read back with the backup's SHA-256\n",
                           v.compared_partitions, v.compared_with.filename().string());
    std::string out = fmt::format(
        "verify:    {} NV items and {} EFS files of {}: {}\n", v.compared_nv_items,
        v.compared_efs_files, v.compared_with.filename().string(),
        v.backup_differences.empty()
            ? "all present and equal on the module"
            : fmt::format("{} missing or different on the module", v.backup_differences.size()));
    constexpr std::size_t kShown = 10;  // --json lists them all
    for (std::size_t i = 0; i < v.backup_differences.size() && i < kShown; ++i)
        out += "             " + v.backup_differences[i] + "\n";
    if (v.backup_differences.size() > kShown)
        out += fmt::format("             ... and {} more (--json lists all)\n",
                           v.backup_differences.size() - kShown);
    if (!v.module_extras.empty())
        out += fmt::format(
            "verify:    {} file(s) on the module that the backup does not hold "
            "(kept, not counted)\n",
            v.module_extras.size());
    return out;
}

}  // namespace

std::string format_text(const RescueReport& r) {
    const Observation& o = r.before.observed;
    std::string out = "==== rescue report ====\n";
    out += fmt::format("device:    {} ({} {}, firmware {})\n", o.device, o.vendor, o.model,
                       o.firmware.empty() ? "?" : o.firmware);
    out += fmt::format("found:     {}\n", finding_ids(r.before));
    out += fmt::format("own IMEI:  {}{}\n", r.own_imei.empty() ? "unknown" : r.own_imei,
                       r.own_imei_source.empty() ? "" : " (from " + r.own_imei_source + ")");
    for (const auto& s : r.steps)
        out += fmt::format("step:      [{}] {} -> {}{}\n", to_string(s.action), s.description,
                           s.status, s.source.empty() ? "" : "\n           " + s.source.string());
    for (const auto& line : r.explanation) out += line + "\n";
    if (r.verification) {
        const auto& v = *r.verification;
        out += fmt::format("verify:    AT+CFUN=1 -> {} ({})\n", v.cfun_reply,
                           v.cfun1_accepted ? "accepted" : "REFUSED");
        out += fmt::format("verify:    IMEI {} ({})\n", v.imei.empty() ? "(none)" : v.imei,
                           v.imei_is_own ? "its own" : "NOT its own");
        out += fmt::format("verify:    diagnose {}\n",
                           v.healthy ? "healthy" : "NOT healthy: " + finding_ids(*r.after));
        if (!v.compared_with.empty()) out += describe_comparison(v);
        if (r.after && r.after->observed.cfun)
            out += fmt::format("now:       CFUN={}\n", *r.after->observed.cfun);
    }
    if (!r.settings_note.empty()) out += "settings:  " + r.settings_note + "\n";
    if (r.settings) out += "settings:\n" + describe(*r.settings);
    out += fmt::format("outcome:   {}\n", to_string(r.outcome));
    return out;
}

}  // namespace cr::workflows
