// diagnose(): probe + baseline from the backup store + rules; JSON and text output.
#include "src/workflows/diagnose/diagnose.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/archive/backup_store.hpp"
#include "src/util/error.hpp"
#include "src/workflows/rescue/backup_choice.hpp"
#include "src/workflows/rescue/rescue_identity.hpp"

namespace cr::workflows {

std::string_view to_string(Severity s) {
    switch (s) {
        case Severity::ok:
            return "ok";
        case Severity::info:
            return "info";
        case Severity::warning:
            return "warning";
        case Severity::critical:
            return "critical";
    }
    return "unknown";
}

bool Diagnosis::healthy() const {
    return std::none_of(findings.begin(), findings.end(),
                        [](const Finding& f) { return f.severity >= Severity::warning; });
}

const Finding* Diagnosis::find(std::string_view id) const {
    for (const auto& f : findings)
        if (f.id == id) return &f;
    return nullptr;
}

ModuleIdentityHints identity_hints(const Device& device, const Observation& o,
                                   const std::optional<std::string>& own_imei) {
    ModuleIdentityHints h;
    h.device_name = device.name();
    h.is_virtual = device.is_virtual();
    h.chip_serial = o.chip_serial;
    h.esn = o.esn.value_or(0);
    for (const auto* imei : {&o.imei_nv, &o.imei_at})
        if (*imei && !(*imei)->empty()) h.imeis.push_back(**imei);
    if (own_imei) h.imeis.push_back(*own_imei);
    return h;
}

namespace {

// The newest own calibration bundle that is not blank; else the newest own partition bundle
// that holds calibration (no firmware or file counts to compare then).
std::optional<BaselineInfo> find_baseline(const StoreBackups& backups) {
    const BackupCandidate* part = nullptr;
    for (const auto& c : backups.own) {
        if (c.content.blank) continue;
        const auto& m = c.own.bundle.manifest;
        if (m.kind == archive::BundleKind::partition) {
            if (!part) part = &c;
            continue;
        }
        BaselineInfo b{c.own.bundle.file, m.identity.firmware, m.identity.imeis, m.created};
        for (const auto& e : m.entries)  // EFS entries carry their path (backup_bundle.hpp)
            if (auto p = e.metadata.find("path"); p != e.metadata.end() && p->is_string()) {
                std::string path = p->get<std::string>();
                if (path.starts_with("/")) path.erase(0, 1);
                constexpr std::string_view kRfnv = "nv/item_files/rfnv/";
                if (path.starts_with(kRfnv) && path.find('/', kRfnv.size()) == std::string::npos)
                    ++b.rfnv_files;  // what `ls /nv/item_files/rfnv` counts: direct entries
            }
        return b;
    }
    if (!part) return std::nullopt;
    return BaselineInfo{part->own.bundle.file, "", {}, part->own.bundle.manifest.created};
}

// Every backup of the module (and every one that could not be tied to any module) as evidence.
void note_backups(const StoreBackups& backups, Observation& o) {
    for (const auto& c : backups.own) o.transcript.push_back({"backup store", describe(c)});
    for (const auto& f : backups.unidentified)
        o.transcript.push_back(
            {"backup store", f.filename().string() +
                                 ": carries no IMEI, chip serial, ESN or device name: not "
                                 "matched to this module"});
}

}  // namespace

Diagnosis diagnose(Device& device, const DiagnoseOptions& options) {
    Diagnosis d;
    d.observed = probe_module(device, options.progress);
    auto hints = identity_hints(device, d.observed, options.own_imei);
    try {
        StoreBackups backups = store_backups(options.store_dir, hints);
        d.baseline = find_baseline(backups);
        note_backups(backups, d.observed);
        for (const auto& r : open_restores_of(options.store_dir, hints)) {
            d.observed.open_restores.push_back(r.entry.id);
            if (r.entry.verify_failed) d.observed.verify_failed_restores.push_back(r.entry.id);
            d.observed.transcript.push_back(
                {"backup store journal",
                 r.entry.verify_failed
                     ? fmt::format("restore {} of {} started {} wrote everything but {} items or "
                                   "files read back different (matched by {})",
                                   r.entry.id, r.entry.source, r.entry.started, r.entry.differences,
                                   r.matched_by)
                     : fmt::format("restore {} of {} started {} never finished (matched by {})",
                                   r.entry.id, r.entry.source, r.entry.started, r.matched_by)});
        }
    } catch (const Error& e) {  // a damaged store must not hide the module's state
        d.observed.transcript.push_back({"backup store", e.what()});
    }
    d.findings = evaluate(d.observed, d.baseline);
    return d;
}

nlohmann::json to_json(const Finding& f) {
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& e : f.evidence) ev.push_back({{"query", e.query}, {"reply", e.reply}});
    return {{"id", f.id},           {"severity", std::string(to_string(f.severity))},
            {"summary", f.summary}, {"evidence", ev},
            {"cause", f.cause},     {"remedy", f.remedy}};
}

nlohmann::json to_json(const Diagnosis& d) {
    const Observation& o = d.observed;
    nlohmann::json j;
    j["device"] = o.device;
    j["mode"] = std::string(to_string(o.mode));
    j["vendor"] = o.vendor;
    j["model"] = o.model;
    j["firmware"] = o.firmware;
    j["cfun"] = o.cfun ? nlohmann::json(*o.cfun) : nlohmann::json();
    j["imei"] = o.imei_nv ? *o.imei_nv : o.imei_at.value_or("");
    j["healthy"] = d.healthy();
    j["findings"] = nlohmann::json::array();
    for (const auto& f : d.findings) j["findings"].push_back(to_json(f));
    if (d.baseline)
        j["baseline"] = {{"bundle", d.baseline->bundle.string()},
                         {"firmware", d.baseline->firmware},
                         {"created", d.baseline->created}};
    nlohmann::json t = nlohmann::json::array();
    for (const auto& e : o.transcript) t.push_back({{"query", e.query}, {"reply", e.reply}});
    j["transcript"] = t;
    return j;
}

std::string format_text(const Diagnosis& d) {
    const Observation& o = d.observed;
    std::string out = fmt::format("{}: {} {} firmware {} mode {}", o.device,
                                  o.vendor.empty() ? "module" : o.vendor, o.model,
                                  o.firmware.empty() ? "?" : o.firmware, to_string(o.mode));
    if (o.cfun) out += fmt::format(" CFUN={}", *o.cfun);
    std::string imei = o.imei_nv ? *o.imei_nv : o.imei_at.value_or("");
    out += fmt::format(" IMEI {}\n", imei.empty() ? "(none)" : imei);
    for (const auto& f : d.findings) {
        out += fmt::format("\n[{}] {}: {}\n", to_string(f.severity), f.id, f.summary);
        for (const auto& e : f.evidence) out += fmt::format("    {} -> {}\n", e.query, e.reply);
        if (!f.cause.empty()) out += fmt::format("  cause: {}\n", f.cause);
        if (!f.remedy.empty()) out += fmt::format("  remedy: {}\n", f.remedy);
    }
    return out;
}

}  // namespace cr::workflows
