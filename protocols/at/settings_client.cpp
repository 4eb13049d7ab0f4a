#include "protocols/at/settings_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "protocols/at/settings_parse.hpp"

namespace cr::at::settings {
namespace {

bool contains_ci(std::string_view text, std::string_view word) {
    auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
    return it != text.end();
}

std::string first_line(const Response& r) {
    return r.ok() && !r.lines.empty() ? r.lines.front() : std::string();
}

std::string imei_of(const Response& r) {
    if (!r.ok()) return {};
    for (const auto& line : r.lines) {
        auto t = trim(line);
        if (t.size() == 15 && std::all_of(t.begin(), t.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) != 0;
            }))
            return std::string(t);
    }
    return {};
}

std::string quectel_model(const Response& ati) {
    // ATI: "Quectel" / "RM520N-GL" / "Revision: ...".
    return ati.ok() && ati.lines.size() > 1 ? std::string(trim(ati.lines[1])) : std::string();
}

}  // namespace

ModuleInfo identify_module(AtChannel& ch) {
    Response ati = ch.command("ATI");
    Response cgmi = ch.command("AT+CGMI");
    std::string who = cgmi.text() + "\n" + ati.text();
    ModuleInfo m;
    if (contains_ci(who, "quectel")) {
        m.vendor = Vendor::quectel;
        m.model = quectel_model(ati);
        m.firmware = first_line(ch.command("AT+QGMR"));
        if (m.firmware.empty())
            for (const auto& l : ati.lines)
                if (auto v = value_after(l, "Revision:")) m.firmware = *v;
    } else if (contains_ci(who, "u-blox")) {
        m.vendor = Vendor::ublox;
        m.model = first_line(ch.command("AT+CGMM"));
        m.firmware = first_line(ch.command("AT+CGMR"));
    } else {
        throw ProtocolError(fmt::format("the module is neither Quectel nor u-blox (ATI: \"{}\")",
                                        escape(ati.text().substr(0, 80))),
                            "unchanged", "settings are known for Quectel and u-blox modules only");
    }
    m.imei = imei_of(ch.command("AT+CGSN"));
    return m;
}

SettingsRecord read_settings(AtChannel& ch, const ModuleInfo& module, Millis timeout) {
    SettingsRecord r;
    r.module = module;
    for (const auto& spec : catalogue(module.vendor)) {
        Response resp = ch.command(spec.query, timeout);
        if (!resp.ok()) {
            r.unsupported.push_back({spec.id, spec.query, std::string(trim(resp.final.line))});
            continue;
        }
        if (spec.per_context) {
            for (auto& [cid, value] : parse_contexts(resp.lines))
                r.settings.push_back({fmt::format("{}/{}", spec.id, cid), spec.query, value});
            continue;
        }
        ParsedValue v = parse_value(spec, resp.lines);
        if (v.value)
            r.settings.push_back({spec.id, spec.query, *v.value});
        else if (!v.problem.empty())
            r.unsupported.push_back({spec.id, spec.query, "answer not understood: " + v.problem});
        else
            spdlog::debug("{}: no value ({} answered nothing for it)", spec.id, spec.query);
    }
    if (module.vendor == Vendor::quectel) {
        Response list = ch.command("AT+QMBNCFG=\"List\"", timeout);
        if (list.ok()) r.carrier_configs = parse_mbn_list(list.lines);
    }
    return r;
}

std::optional<FinalResult> write_setting(AtChannel& ch, const PlanStep& step, Millis timeout) {
    for (const auto& cmd : step.commands) {
        Response r = ch.command(cmd, timeout);
        if (!r.ok()) return r.final;
    }
    return std::nullopt;
}

std::optional<std::string> read_setting(AtChannel& ch, Vendor vendor, const std::string& id,
                                        Millis timeout) {
    const SettingSpec* spec = find_spec(vendor, id);
    if (!spec) return std::nullopt;
    Response r = ch.command(spec->query, timeout);
    if (!r.ok()) return std::nullopt;
    if (spec->per_context) {
        int cid = context_id(id);
        for (auto& [c, value] : parse_contexts(r.lines))
            if (c == cid) return value;
        return std::nullopt;
    }
    return parse_value(*spec, r.lines).value;
}

}  // namespace cr::at::settings
