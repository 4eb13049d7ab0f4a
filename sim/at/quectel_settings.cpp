#include "sim/at/quectel_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <vector>

#include "protocols/at/settings_values.hpp"
#include "sim/at/quectel_personality.hpp"
#include "sim/core/module_settings.hpp"

namespace cr::sim {
namespace {

namespace vs = at::settings;

// The manual's example lists (RM5x0N AT manual §5.24): the virtual modules support these bands.
constexpr const char* kLteBands =
    "1:2:3:4:5:7:8:12:13:14:17:18:19:20:25:26:28:29:30:32:34:38:39:40:41:42:66:71";
constexpr const char* kNrBands = "1:3:7:20:28:40:41:71:77:78:79";

struct Mbn {
    const char* name;
    const char* version;
    const char* date;
    const char* apn;  // the default APN of PDP context 1 (type IPV4V6) it brings
};

// Names, versions and dates as a real EG25-G lists them (lukejenkins/cwd outputs); the APNs are
// the carriers' public defaults.
const std::vector<Mbn>& mbns() {
    static const std::vector<Mbn> list = {
        {"ROW_Generic_3GPP", "0x0501081F", "202307241", ""},
        {"VoLTE-ATT", "0x0501033C", "202203251", "broadband"},
        {"hVoLTE-Verizon", "0x05010141", "202302081", "vzwinternet"},
        {"Commercial-TMO_VoLTE", "0x05010505", "202301051", "fast.t-mobile.com"},
        {"Commercial-DT", "0x05011F1C", "202310161", "internet.telekom"},
    };
    return list;
}

std::string upper(std::string_view t) {
    std::string o(t);
    for (char& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return o;
}

std::string lower(std::string_view t) {
    std::string o(t);
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

// Which setting families a model's firmware knows.
bool knows(const ModelSpec& m, const std::string& firmware, std::string_view f) {
    if (m.id == "ec25")
        return f == "usbnet" || f == "band" || f == "nwscanmode" || f == "qmbncfg" ||
               f == "cgdcont";
    const bool rm520n_r03 = m.id == "rm520n" && quectel_revision(firmware) >= 3;
    if (f == "nat") return m.id == "rm520n" && !rm520n_r03;
    if (f == "qmapwac") return !rm520n_r03;
    static const std::set<std::string_view> rm5 = {
        "usbnet", "data_interface", "pcie/mode", "usbspeed", "qnwprefcfg", "qmbncfg", "cgdcont"};
    return rm5.contains(f);
}

std::string factory_default(const ModelSpec& m, std::string_view key) {
    if (key == "qcfg/data_interface") return "0,0";
    if (key == "qcfg/usbspeed") return m.id == "rm500q" ? "\"30\"" : "\"312\"";
    if (key == "qcfg/band") return "0xd3,0x1a0000800d5,0x0";  // EC25-E: GSM/WCDMA and LTE bands
    if (key == "qnwprefcfg/mode_pref") return "AUTO";
    if (key == "qnwprefcfg/lte_band") return kLteBands;
    if (key == "qnwprefcfg/nsa_nr5g_band" || key == "qnwprefcfg/nr5g_band") return kNrBands;
    if (key == "qmbncfg/autosel") return "1";
    if (key == "qmbncfg/select") return "ROW_Generic_3GPP";
    return "0";  // usbnet, pcie/mode, nat, nwscanmode, qmapwac
}

PdpContexts default_contexts(const ModelSpec& m) {
    if (m.id == "ec25") return {{1, {"IPV4V6", ""}}};
    return {{1, {"IPV4V6", ""}}, {2, {"IPV4V6", "ims"}}, {3, {"IPV4V6", "SOS"}}};
}

std::string value_of(const ModuleState& s, const ModelSpec& m, SettingLayer layer,
                     std::string_view key) {
    nlohmann::json v = stored_setting(s, layer, key);
    return v.is_string() ? v.get<std::string>() : factory_default(m, key);
}

std::string reply(const std::vector<std::string>& lines) {
    std::string body;
    for (const auto& l : lines) body += (body.empty() ? "" : "\r\n") + l;
    return body.empty() ? "\r\nOK\r\n" : "\r\n" + body + "\r\n\r\nOK\r\n";
}

const std::string kError = "\r\nERROR\r\n";

std::optional<int> number(std::string_view t, int lo, int hi) {
    int v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || v < lo || v > hi) return std::nullopt;
    return v;
}

// The text after the first parameter (`"usbnet",1` -> `1`).
std::string after_first(std::string_view rest) {
    bool quoted = false;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '"') quoted = !quoted;
        if (rest[i] == ',' && !quoted) return std::string(rest.substr(i + 1));
    }
    return {};
}

// The canonical stored form of an AT+QCFG value, or nullopt when the module refuses it.
std::optional<std::string> qcfg_value(const ModelSpec& m, const std::string& item,
                                      const std::vector<std::string>& p) {
    auto ints = [&](std::size_t n, int hi) -> std::optional<std::string> {
        if (p.size() != n) return std::nullopt;
        std::string out;
        for (const auto& v : p) {
            if (!number(v, 0, hi)) return std::nullopt;
            out += (out.empty() ? "" : ",") + std::to_string(*number(v, 0, hi));
        }
        return out;
    };
    if (item == "usbnet") return ints(1, 3);
    if (item == "data_interface") return ints(2, 1);
    if (item == "pcie/mode" || item == "nat") return ints(1, 1);
    if (item == "nwscanmode") {  // optional <effect> (1: at once)
        if (p.empty() || p.size() > 2 || (p.size() == 2 && !number(p[1], 0, 1)))
            return std::nullopt;
        auto v = number(p[0], 0, 3);
        return v ? std::optional(std::to_string(*v)) : std::nullopt;
    }
    if (item == "usbspeed") {
        std::string speed;
        if (p.size() != 1 || !vs::unquote(p[0], speed)) return std::nullopt;
        std::set<std::string> allowed = m.id == "rm500q"
                                            ? std::set<std::string>{"20", "30"}
                                            : std::set<std::string>{"20", "311", "312"};
        if (!allowed.contains(speed)) return std::nullopt;
        return "\"" + speed + "\"";
    }
    if (item == "band") {  // <bandval>,<ltebandval>,<tdsbandval>[,<effect>]
        if (p.size() != 3 && !(p.size() == 4 && number(p[3], 0, 1))) return std::nullopt;
        std::string masks = p[0] + "," + p[1] + "," + p[2];
        if (!vs::valid_value(vs::ValueKind::hex_list, masks)) return std::nullopt;
        return vs::canonical(vs::ValueKind::hex_list, masks);
    }
    return std::nullopt;
}

std::string qcfg(VirtualModule& module, std::string_view rest) {
    auto params = vs::split_params(rest);
    std::string item;
    if (params.empty() || !vs::unquote(params[0], item)) return kError;
    item = lower(item);
    static const std::set<std::string> items = {"usbnet", "data_interface", "pcie/mode", "usbspeed",
                                                "nat",    "band",           "nwscanmode"};
    const ModelSpec& m = module.model();
    if (!items.contains(item) || !knows(m, module.state().firmware, item)) return kError;
    const std::string key = "qcfg/" + item;
    if (params.size() == 1)
        return reply({fmt::format("+QCFG: \"{}\",{}", item,
                                  value_of(module.state(), m, SettingLayer::configured, key))});
    auto value = qcfg_value(m, item, {params.begin() + 1, params.end()});
    if (!value) return kError;
    module.update([&](ModuleState& s) { store_setting(s, SettingLayer::configured, key, *value); });
    return reply({});
}

std::vector<std::string> colon_parts(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto end = text.find(':', start);
        out.emplace_back(text.substr(start, end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

std::optional<std::string> band_value(std::string_view text, const char* supported) {
    if (!vs::valid_value(vs::ValueKind::band_list, text)) return std::nullopt;
    auto all = colon_parts(supported);
    std::set<std::string> ok(all.begin(), all.end());
    std::string canon = vs::canonical(vs::ValueKind::band_list, text);
    for (const auto& band : colon_parts(canon))
        if (!ok.contains(band)) return std::nullopt;
    return canon;
}

std::optional<std::string> mode_value(std::string_view text) {
    if (!vs::valid_value(vs::ValueKind::rat_list, text)) return std::nullopt;
    std::string canon = vs::canonical(vs::ValueKind::rat_list, text);
    if (canon == "AUTO") return canon;
    static const std::set<std::string> rats = {"WCDMA", "LTE", "NR5G"};
    for (const auto& rat : colon_parts(canon))
        if (!rats.contains(rat)) return std::nullopt;
    return canon;
}

std::string qnwprefcfg(VirtualModule& module, std::string_view rest) {
    const ModelSpec& m = module.model();
    auto params = vs::split_params(rest);
    std::string item;
    if (params.empty() || !vs::unquote(params[0], item)) return kError;
    item = lower(item);
    static const std::set<std::string> items = {"mode_pref", "lte_band", "nsa_nr5g_band",
                                                "nr5g_band"};
    if (!items.contains(item) || !knows(m, module.state().firmware, "qnwprefcfg")) return kError;
    const std::string key = "qnwprefcfg/" + item;
    if (params.size() == 1)
        return reply({fmt::format("+QNWPREFCFG: \"{}\",{}", item,
                                  value_of(module.state(), m, SettingLayer::configured, key))});
    auto value_params = vs::split_params(after_first(rest));
    std::string text = value_params.size() == 1 ? value_params[0] : std::string();
    std::optional<std::string> value =
        item == "mode_pref" ? mode_value(text)
                            : band_value(text, item == "lte_band" ? kLteBands : kNrBands);
    if (!value) return kError;
    module.update([&](ModuleState& s) { store_setting(s, SettingLayer::configured, key, *value); });
    return reply({});
}

const Mbn* find_mbn(std::string_view name) {
    for (const auto& mbn : mbns())
        if (lower(mbn.name) == lower(name)) return &mbn;
    return nullptr;
}

std::string qmbncfg(VirtualModule& module, std::string_view rest) {
    const ModelSpec& m = module.model();
    if (!knows(m, module.state().firmware, "qmbncfg")) return kError;
    auto params = vs::split_params(rest);
    std::string tag;
    if (params.empty() || !vs::unquote(params[0], tag)) return kError;
    tag = lower(tag);
    const ModuleState s = module.state();
    const std::string selected = value_of(s, m, SettingLayer::configured, "qmbncfg/select");
    if (tag == "list" && params.size() == 1) {
        const std::string active = value_of(s, m, SettingLayer::active, "qmbncfg/select");
        std::vector<std::string> lines;
        for (std::size_t i = 0; i < mbns().size(); ++i) {
            const Mbn& b = mbns()[i];
            lines.push_back(fmt::format("+QMBNCFG: \"List\",{},{},{},\"{}\",{},{}", i,
                                        b.name == selected ? 1 : 0, b.name == active ? 1 : 0,
                                        b.name, b.version, b.date));
        }
        return reply(lines);
    }
    if (tag == "autosel") {
        if (params.size() == 1)
            return reply({"+QMBNCFG: \"AutoSel\"," +
                          value_of(s, m, SettingLayer::configured, "qmbncfg/autosel")});
        auto v = params.size() == 2 ? number(params[1], 0, 1) : std::nullopt;
        if (!v) return kError;
        module.update([&](ModuleState& st) {
            store_setting(st, SettingLayer::configured, "qmbncfg/autosel", std::to_string(*v));
        });
        return reply({});
    }
    if (tag == "select") {
        if (params.size() == 1) return reply({"+QMBNCFG: \"Select\",\"" + selected + "\""});
        std::string name;
        const Mbn* mbn =
            params.size() == 2 && vs::unquote(params[1], name) ? find_mbn(name) : nullptr;
        if (!mbn) return kError;
        module.update([&](ModuleState& st) {
            store_setting(st, SettingLayer::configured, "qmbncfg/select", std::string(mbn->name));
        });
        return reply({});
    }
    if (tag == "deactivate" && params.size() == 1) {
        module.update([](ModuleState& st) {
            store_setting(st, SettingLayer::active, "qmbncfg/select", std::string());
        });
        return reply({});
    }
    return kError;
}

std::string qmapwac(VirtualModule& module, std::string_view u) {
    const ModelSpec& m = module.model();
    if (!knows(m, module.state().firmware, "qmapwac")) return kError;
    if (u == "+QMAPWAC?")
        return reply(
            {"+QMAPWAC: " + value_of(module.state(), m, SettingLayer::configured, "qmapwac")});
    if (u == "+QMAPWAC=?") return reply({"+QMAPWAC: (0,1)"});
    auto v = u.starts_with("+QMAPWAC=") ? number(u.substr(9), 0, 1) : std::nullopt;
    if (!v) return kError;
    module.update([&](ModuleState& s) {
        store_setting(s, SettingLayer::configured, "qmapwac", std::to_string(*v));
    });
    return reply({});
}

}  // namespace

int quectel_revision(std::string_view fw) {
    for (std::size_t i = 0; i + 3 < fw.size(); ++i)
        if (fw[i] == 'R' && std::isdigit(static_cast<unsigned char>(fw[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(fw[i + 2])) && fw[i + 3] == 'A')
            return (fw[i + 1] - '0') * 10 + (fw[i + 2] - '0');
    return -1;
}

std::optional<std::string> quectel_settings_command(VirtualModule& module, std::string_view cmd) {
    const std::string u = upper(cmd);
    if (u.starts_with("+QCFG=") && u != "+QCFG=?") return qcfg(module, cmd.substr(6));
    if (u.starts_with("+QNWPREFCFG=") && u != "+QNWPREFCFG=?")
        return qnwprefcfg(module, cmd.substr(12));
    if (u.starts_with("+QMBNCFG=") && u != "+QMBNCFG=?") return qmbncfg(module, cmd.substr(9));
    if (u.starts_with("+QMAPWAC")) return qmapwac(module, u);
    if (u.starts_with("+CGDCONT")) {
        if (!knows(module.model(), module.state().firmware, "cgdcont")) return kError;
        auto r = cgdcont_command(module, cmd, default_contexts(module.model()), 42);
        return r->ok ? reply(r->lines) : kError;
    }
    return std::nullopt;
}

void quectel_settings_boot(VirtualModule& module) {
    const ModelSpec& m = module.model();
    module.update([&](ModuleState& s) {
        for (const char* key :
             {"qcfg/usbnet", "qcfg/data_interface", "qcfg/pcie/mode", "qcfg/usbspeed", "qcfg/nat"})
            store_setting(s, SettingLayer::active, key,
                          value_of(s, m, SettingLayer::configured, key));
        // AutoSel=1: the SIM decides (the virtual SIM carries no carrier: the generic MBN).
        std::string target = value_of(s, m, SettingLayer::configured, "qmbncfg/autosel") == "1"
                                 ? std::string("ROW_Generic_3GPP")
                                 : value_of(s, m, SettingLayer::configured, "qmbncfg/select");
        if (value_of(s, m, SettingLayer::configured, "qmbncfg/autosel") == "1")
            store_setting(s, SettingLayer::configured, "qmbncfg/select", target);
        if (target == value_of(s, m, SettingLayer::active, "qmbncfg/select")) return;
        store_setting(s, SettingLayer::active, "qmbncfg/select", target);
        if (const Mbn* mbn = find_mbn(target)) {
            PdpContexts contexts = pdp_contexts(s, default_contexts(m));
            contexts[1] = {"IPV4V6", mbn->apn};
            store_pdp_contexts(s, contexts);
        }
    });
}

}  // namespace cr::sim
