// The virtual u-blox modules' persistent radio settings (u-blox AT manuals; PROTOCOLS.md §11):
//   AT+URAT?       -> +URAT: 7,8          AT+URAT=7[,8[,9]]    (live after reboot)
//   AT+UBANDMASK?  -> +UBANDMASK: 0,<m>,1,<m> (SARA-R4: one mask per RAT, RATs 0 LTE-M, 1 NB-IoT)
//                     +UBANDMASK: 0,<m1>,<m2> (SARA-R510S: LTE-M only, bands 1-64 and 65-128)
//                     AT+UBANDMASK=<RAT>,<m1>[,<m2>]   (live after reboot)
//   AT+USIO?       -> +USIO: <requested>,*<active>  AT+USIO=<variant>  (live after reboot)
//   AT+CGDCONT?/=  (sim/core/module_settings.hpp)
// AT+UMNOPROF (ublox_commands.cpp) becomes live at the next boot too, and then sets the
// profile's RATs and band masks, overwriting what was configured (so a profile is applied
// before the bands). The virtual LENA-R8 answers ERROR to +URAT, +UBANDMASK and +USIO: their
// LENA-R8 forms are not modelled (no facts), and the client then reports them as unknown.
#include <fmt/format.h>

#include <charconv>
#include <map>
#include <set>

#include "protocols/at/settings_values.hpp"
#include "sim/core/module_settings.hpp"
#include "sim/ublox/ublox_server.hpp"

namespace cr::sim::ublox {
namespace {

struct ProfileRadio {
    std::string urat;
    std::uint64_t mask1;  // LTE bands 1-64
    std::uint64_t mask2;  // LTE bands 65-128
};

// Per MNO profile: 0 SW default / 1 SIM select / 90 global: all bands (0xB0E189F, 65+85);
// 2 AT&T (2,4,5,12 = 2074, the manual's example); 3 Verizon (4,13); 4 Telstra (3,28);
// 5 T-Mobile US (2,4,12; 66,71); 100 Standard Europe (3,8,20).
ProfileRadio profile_radio(Family f, int profile) {
    std::string both = f == Family::r5 ? "7" : "7,8";
    switch (profile) {
        case 2:
            return {"7", 2074, 0};
        case 3:
            return {"7", 4104, 0};
        case 4:
            return {both, 134217732, 0};
        case 5:
            return {both, 2058, 66};
        case 100:
            return {both, 524420, 0};
        default:
            return {both, 185473183, f == Family::r5 ? 1048578u : 0u};
    }
}

int default_profile(Family f) {
    return f == Family::r4 ? 0 : 100;
}

std::string mask_text(Family f, std::uint64_t m1, std::uint64_t m2) {
    if (f == Family::r5) return fmt::format("0,{},{}", m1, m2);
    if (m2) return fmt::format("0,{},{},1,{},{}", m1, m2, m1, m2);
    return fmt::format("0,{},1,{}", m1, m1);
}

std::optional<long long> number(std::string_view t, long long lo, long long hi) {
    long long v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || v < lo || v > hi) return std::nullopt;
    return v;
}

std::optional<std::uint64_t> mask(std::string_view t) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
    return v;
}

// RAT -> (mask1, mask2) from a stored +UBANDMASK text.
std::map<int, std::pair<std::uint64_t, std::uint64_t>> parse_masks(Family f,
                                                                   const std::string& text) {
    std::map<int, std::pair<std::uint64_t, std::uint64_t>> out;
    auto t = at::settings::split_params(text);
    std::size_t width = (f == Family::r5 || t.size() == 6) ? 3 : 2;
    for (std::size_t i = 0; i + width <= t.size(); i += width)
        out[static_cast<int>(number(t[i], 0, 2).value_or(0))] = {
            mask(t[i + 1]).value_or(0), width == 3 ? mask(t[i + 2]).value_or(0) : 0};
    return out;
}

std::string masks_text(Family f, const std::map<int, std::pair<std::uint64_t, std::uint64_t>>& m) {
    bool second = f == Family::r5;
    for (const auto& [rat, v] : m) second |= v.second != 0;
    std::string out;
    for (const auto& [rat, v] : m) {
        out += (out.empty() ? "" : ",") + fmt::format("{},{}", rat, v.first);
        if (second) out += fmt::format(",{}", v.second);
    }
    return out;
}

// The value a query shows: stored, or the default of the profile that is live.
std::string setting(const ModuleState& s, Family f, SettingLayer layer, const char* key) {
    nlohmann::json v = stored_setting(s, layer, key);
    if (v.is_string()) return v.get<std::string>();
    nlohmann::json live = stored_setting(s, SettingLayer::active, "umnoprof");
    int profile = live.is_number_integer() ? live.get<int>() : default_profile(f);
    ProfileRadio r = profile_radio(f, profile);
    if (std::string_view(key) == "urat") return r.urat;
    if (std::string_view(key) == "ubandmask") return mask_text(f, r.mask1, r.mask2);
    return "0";  // usio
}

PdpContexts default_contexts() {
    return {{1, {"IP", ""}}};
}

}  // namespace

bool UbloxServer::handle_radio_settings(const std::string& up, const std::string& line) {
    if (up.starts_with("AT+CGDCONT")) {
        auto r = cgdcont_command(module_, std::string_view(line).substr(2), default_contexts(), 8);
        for (const auto& l : r->lines) info(l);
        r->ok ? final(true) : cme(50, "incorrect parameters");
        return true;
    }
    if (family_ == Family::lena) return false;  // not modelled for LENA-R8: ERROR
    const ModuleState s = module_.state();
    if (up == "AT+URAT?") {
        info("+URAT: " + setting(s, family_, SettingLayer::configured, "urat"));
    } else if (up == "AT+UBANDMASK?") {
        info("+UBANDMASK: " + setting(s, family_, SettingLayer::configured, "ubandmask"));
    } else if (up == "AT+USIO?") {
        info(fmt::format("+USIO: {},*{}", setting(s, family_, SettingLayer::configured, "usio"),
                         setting(s, family_, SettingLayer::active, "usio")));
    } else if (up.starts_with("AT+URAT=") && up != "AT+URAT=?") {
        auto rats = at::settings::split_params(up.substr(8));
        std::set<long long> seen;
        bool ok = !rats.empty() && rats.size() <= (family_ == Family::r5 ? 1u : 3u);
        for (const auto& r : rats) {
            auto v = number(r, 7, family_ == Family::r5 ? 7 : 9);
            ok = ok && v && seen.insert(*v).second;
        }
        if (!ok) return cme(50, "incorrect parameters"), true;
        std::string text;
        for (const auto& r : rats) text += (text.empty() ? "" : ",") + r;
        module_.update(
            [&](ModuleState& st) { store_setting(st, SettingLayer::configured, "urat", text); });
    } else if (up.starts_with("AT+UBANDMASK=") && up != "AT+UBANDMASK=?") {
        auto p = at::settings::split_params(up.substr(13));
        auto rat = p.empty() ? std::nullopt : number(p[0], 0, family_ == Family::r5 ? 0 : 1);
        auto m1 = p.size() >= 2 ? mask(p[1]) : std::nullopt;
        auto m2 = p.size() == 3 ? mask(p[2]) : std::optional<std::uint64_t>(0);
        if (!rat || !m1 || !m2 || p.size() > 3 || *m1 == 0)
            return cme(50, "incorrect parameters"), true;
        module_.update([&](ModuleState& st) {
            auto masks =
                parse_masks(family_, setting(st, family_, SettingLayer::configured, "ubandmask"));
            masks[static_cast<int>(*rat)] = {*m1, *m2};
            store_setting(st, SettingLayer::configured, "ubandmask", masks_text(family_, masks));
        });
    } else if (up.starts_with("AT+USIO=") && up != "AT+USIO=?") {
        auto v = number(up.substr(8), 0, 6);
        if (!v) return cme(50, "incorrect parameters"), true;
        module_.update([&](ModuleState& st) {
            store_setting(st, SettingLayer::configured, "usio", std::to_string(*v));
        });
    } else {
        return false;
    }
    final(true);
    return true;
}

void UbloxServer::activate_settings() {
    module_.update([&](ModuleState& s) {
        UbloxState u = load(s);
        nlohmann::json live = stored_setting(s, SettingLayer::active, "umnoprof");
        int active = live.is_number_integer() ? live.get<int>() : default_profile(family_);
        if (u.mno_profile != active) {  // the new profile brings its own RATs and bands
            store_setting(s, SettingLayer::active, "umnoprof", u.mno_profile);
            store_setting(s, SettingLayer::configured, "urat", nullptr);
            store_setting(s, SettingLayer::configured, "ubandmask", nullptr);
        }
        for (const char* key : {"urat", "ubandmask", "usio"})
            store_setting(s, SettingLayer::active, key,
                          setting(s, family_, SettingLayer::configured, key));
        u.reboot_pending = false;
        u.cfun = 1;  // a boot brings the radio up again (after AT+CFUN=0 for +UMNOPROF)
        store(s, u);
    });
}

void full_flash_reset(ModuleState& state, const ModelSpec& model) {
    reset_settings(state);
    UbloxState u = load(state);
    u.mno_profile = default_profile(family_of(model));
    u.cfun = 1;
    u.reboot_pending = false;
    store(state, u);
}

}  // namespace cr::sim::ublox
