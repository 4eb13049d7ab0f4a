#include "protocols/at/settings_catalog.hpp"

#include <fmt/format.h>

#include <charconv>

#include "src/util/error.hpp"

namespace cr::at::settings {
namespace {

using K = ValueKind;
using E = Effect;

SettingSpec qcfg(const char* item, K kind, E effect, const char* what) {
    return {fmt::format("qcfg/{}", item),
            Vendor::quectel,
            fmt::format("AT+QCFG=\"{}\"", item),
            "+QCFG:",
            item,
            fmt::format("AT+QCFG=\"{}\",", item),
            kind,
            effect,
            Phase::normal,
            what};
}

SettingSpec qnwpref(const char* item, K kind, const char* what) {
    return {fmt::format("qnwprefcfg/{}", item),
            Vendor::quectel,
            fmt::format("AT+QNWPREFCFG=\"{}\"", item),
            "+QNWPREFCFG:",
            item,
            fmt::format("AT+QNWPREFCFG=\"{}\",", item),
            kind,
            E::immediate,
            Phase::normal,
            what};
}

SettingSpec qmbncfg(const char* item, K kind, const char* what) {
    return {fmt::format("qmbncfg/{}", item),
            Vendor::quectel,
            fmt::format("AT+QMBNCFG=\"{}\"", item),
            "+QMBNCFG:",
            item,
            fmt::format("AT+QMBNCFG=\"{}\",", item),
            kind,
            E::reboot,
            Phase::profile,
            what};
}

SettingSpec cgdcont(Vendor v) {
    SettingSpec s{
        "cgdcont",     v,      "AT+CGDCONT?", "+CGDCONT:",   "",
        "AT+CGDCONT=", K::pdp, E::immediate,  Phase::normal, "PDP context (PDP type, APN)"};
    s.per_context = true;
    return s;
}

std::vector<SettingSpec> quectel() {
    // AutoSel before Select: with AutoSel=1 the SIM picks the MBN at boot, whatever is selected.
    return {
        qmbncfg("AutoSel", K::integers, "automatic carrier configuration (MBN) by SIM (0/1)"),
        qmbncfg("Select", K::quoted, "selected carrier configuration (MBN)"),
        qcfg("usbnet", K::integers, E::reboot,
             "USB network mode (0 RMNET, 1 ECM, 2 MBIM, 3 RNDIS)"),
        qcfg("data_interface", K::integers, E::reboot,
             "network/diagnostic port interface (0 USB, 1 PCIe)"),
        qcfg("pcie/mode", K::integers, E::reboot, "PCIe mode (0 EP, 1 RC)"),
        qcfg("usbspeed", K::quoted, E::reboot,
             "USB speed (\"20\" USB 2.0, \"311\"/\"312\" USB 3.1)"),
        qcfg("nat", K::integers, E::reboot, "NAT of the Ethernet (RGMII/PCIe) data path"),
        qcfg("band", K::hex_list, E::immediate, "band masks (GSM/WCDMA, LTE, TD-SCDMA)"),
        qcfg("nwscanmode", K::integers, E::immediate, "network scan mode (0 auto)"),
        {"qmapwac", Vendor::quectel, "AT+QMAPWAC?", "+QMAPWAC:", "", "AT+QMAPWAC=", K::integers,
         E::immediate, Phase::normal, "automatic data call at boot (0/1)"},
        qnwpref("mode_pref", K::rat_list, "network search mode (AUTO, LTE, NR5G, LTE:NR5G...)"),
        qnwpref("lte_band", K::band_list, "LTE bands"),
        qnwpref("nsa_nr5g_band", K::band_list, "5G NSA bands"),
        qnwpref("nr5g_band", K::band_list, "5G SA bands"),
        cgdcont(Vendor::quectel),
    };
}

std::vector<SettingSpec> ublox() {
    return {
        {"umnoprof", Vendor::ublox, "AT+UMNOPROF?", "+UMNOPROF:", "", "AT+UMNOPROF=", K::integers,
         E::radio_off_reboot, Phase::profile, "mobile network operator profile"},
        {"urat", Vendor::ublox, "AT+URAT?", "+URAT:", "", "AT+URAT=", K::integers, E::reboot,
         Phase::normal, "radio access technologies (7 LTE-M, 8 NB-IoT, 9 GPRS), in order"},
        {"ubandmask", Vendor::ublox, "AT+UBANDMASK?", "+UBANDMASK:", "",
         "AT+UBANDMASK=", K::integers, E::reboot, Phase::normal, "LTE band masks per RAT"},
        {"usio", Vendor::ublox, "AT+USIO?", "+USIO:", "", "AT+USIO=", K::integers, E::reboot,
         Phase::normal, "serial interface variant"},
        cgdcont(Vendor::ublox),
    };
}

bool small_number(std::string_view t, unsigned max, unsigned& out) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && p == t.data() + t.size() && out <= max;
}

}  // namespace

std::string_view to_string(Vendor v) {
    return v == Vendor::quectel ? "quectel" : "ublox";
}

std::optional<Vendor> parse_vendor(std::string_view text) {
    if (text == "quectel") return Vendor::quectel;
    if (text == "ublox") return Vendor::ublox;
    return std::nullopt;
}

std::string_view to_string(Effect e) {
    switch (e) {
        case Effect::immediate:
            return "immediate";
        case Effect::reboot:
            return "after reboot";
        case Effect::radio_off_reboot:
            return "radio off (CFUN=0), then reboot";
    }
    return "?";
}

const std::vector<SettingSpec>& catalogue(Vendor vendor) {
    static const std::vector<SettingSpec> q = quectel();  // immutable tables
    static const std::vector<SettingSpec> u = ublox();
    return vendor == Vendor::quectel ? q : u;
}

int context_id(std::string_view id) {
    if (!id.starts_with("cgdcont/")) return 0;
    unsigned cid = 0;
    if (!small_number(id.substr(8), 255, cid) || cid == 0) return 0;
    return static_cast<int>(cid);
}

const SettingSpec* find_spec(Vendor vendor, std::string_view id) {
    for (const auto& s : catalogue(vendor)) {
        if (s.per_context ? context_id(id) != 0 : s.id == id) return &s;
    }
    return nullptr;
}

std::vector<std::string> bandmask_groups(std::string_view value) {
    auto tokens = split_params(value);
    for (std::size_t masks : {1u, 2u}) {
        std::size_t width = masks + 1;
        if (tokens.empty() || tokens.size() % width != 0) continue;
        std::vector<std::string> groups;
        int last_rat = -1;
        bool ok = true;
        for (std::size_t i = 0; ok && i < tokens.size(); i += width) {
            unsigned rat = 0;
            ok = small_number(tokens[i], 2, rat) && static_cast<int>(rat) > last_rat;
            last_rat = static_cast<int>(rat);
            std::string g = tokens[i];
            for (std::size_t m = 1; ok && m <= masks; ++m) {
                ok = valid_value(ValueKind::integers, tokens[i + m]) &&
                     !tokens[i + m].starts_with('-');
                g += "," + tokens[i + m];
            }
            groups.push_back(g);
        }
        if (ok) return groups;
    }
    return {};
}

std::vector<std::string> set_commands(const SettingSpec& spec, std::string_view id,
                                      std::string_view value) {
    if (auto why = why_invalid(spec.kind, value); !why.empty())
        throw DecodeError(
            fmt::format("setting {}: value '{}' is not valid ({})", id, value.substr(0, 80), why),
            {}, "fix or remove this setting in the settings file");
    if (spec.per_context) {
        int cid = context_id(id);
        if (!cid) throw DecodeError(fmt::format("setting '{}' is not cgdcont/<1-255>", id));
        return {fmt::format("{}{},{}", spec.set, cid, value)};
    }
    if (spec.id == "ubandmask") {
        auto groups = bandmask_groups(value);
        if (groups.empty())
            throw DecodeError(fmt::format(
                "setting ubandmask: '{}' is not <RAT>,<mask>[,<mask2>]...", value.substr(0, 80)));
        std::vector<std::string> out;
        for (const auto& g : groups) out.push_back(spec.set + g);
        return out;
    }
    return {spec.set + std::string(value)};
}

}  // namespace cr::at::settings
