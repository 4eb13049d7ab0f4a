#include "sim/core/module_settings.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "protocols/at/settings_values.hpp"

namespace cr::sim {
namespace {

const char* layer_name(SettingLayer layer) {
    return layer == SettingLayer::configured ? "configured" : "active";
}

std::string upper(std::string_view t) {
    std::string o(t);
    for (char& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return o;
}

std::string address_of(const std::string& type) {
    return type == "IPV6" || type == "IPV4V6" ? "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" : "0.0.0.0";
}

bool apn_ok(std::string_view apn) {
    return apn.size() <= 99 && std::all_of(apn.begin(), apn.end(), [](char c) {
               return c > 0x20 && c < 0x7f && c != '"' && c != ';';
           });
}

std::optional<int> cid_of(std::string_view t, int max) {
    int v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || v < 1 || v > max) return std::nullopt;
    return v;
}

// AT+CGDCONT=<cid>[,"<type>"[,"<apn>"[,...]]]: false when the parameters are not acceptable.
bool define_context(PdpContexts& contexts, std::string_view rest, int max_cid) {
    auto params = at::settings::split_params(rest);
    if (params.empty()) return false;
    auto cid = cid_of(params[0], max_cid);
    if (!cid) return false;
    if (params.size() == 1) {  // the special form: context <cid> becomes undefined
        contexts.erase(*cid);
        return true;
    }
    std::string type, apn;
    if (!at::settings::unquote(params[1], type)) return false;
    type = upper(type);
    static const char* types[] = {"IP", "PPP", "IPV6", "IPV4V6", "NON-IP"};
    if (std::find(std::begin(types), std::end(types), type) == std::end(types)) return false;
    if (params.size() > 2 && !params[2].empty() && !at::settings::unquote(params[2], apn))
        return false;
    if (!apn_ok(apn)) return false;
    contexts[*cid] = {type, apn};
    return true;
}

}  // namespace

nlohmann::json stored_setting(const ModuleState& state, SettingLayer layer, std::string_view key) {
    auto s = state.extra.find("settings");
    if (s == state.extra.end() || !s->is_object()) return nullptr;
    auto l = s->find(layer_name(layer));
    if (l == s->end() || !l->is_object()) return nullptr;
    auto v = l->find(std::string(key));
    return v == l->end() ? nlohmann::json() : *v;
}

void store_setting(ModuleState& state, SettingLayer layer, const std::string& key,
                   nlohmann::json value) {
    auto& s = state.extra["settings"];
    if (!s.is_object()) s = nlohmann::json::object();
    auto& l = s[layer_name(layer)];
    if (!l.is_object()) l = nlohmann::json::object();
    if (value.is_null())
        l.erase(key);
    else
        l[key] = std::move(value);
}

void reset_settings(ModuleState& state) {
    state.extra.erase("settings");
}

void note_flash_write(VirtualModule& module, std::uint32_t lun, std::uint64_t start,
                      std::uint64_t count) {
    const PartitionSpec* efs = efs_partition(module.model());
    for (const auto& p : module.model().partitions) {
        if (p.lun != lun) continue;
        if (p.name != "modem" && p.name != "modem_a" && p.name != "system" && &p != efs) continue;
        if (start < p.start_sector + p.num_sectors && p.start_sector < start + count) {
            spdlog::debug("virtual {}: {} rewritten: settings back to factory defaults",
                          module.id(), p.name);
            module.update([](ModuleState& s) { reset_settings(s); });
            return;
        }
    }
}

PdpContexts pdp_contexts(const ModuleState& state, const PdpContexts& defaults) {
    nlohmann::json j = stored_setting(state, SettingLayer::configured, "cgdcont");
    if (!j.is_object()) return defaults;
    PdpContexts out;
    for (auto& [k, v] : j.items()) {
        auto cid = cid_of(k, 255);
        if (cid && v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_string())
            out[*cid] = {v[0].get<std::string>(), v[1].get<std::string>()};
    }
    return out;
}

void store_pdp_contexts(ModuleState& state, const PdpContexts& contexts) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [cid, c] : contexts) j[std::to_string(cid)] = {c.type, c.apn};
    store_setting(state, SettingLayer::configured, "cgdcont", j);
}

std::optional<CgdcontReply> cgdcont_command(VirtualModule& module, std::string_view cmd,
                                            const PdpContexts& defaults, int max_cid) {
    const std::string u = upper(cmd);
    if (!u.starts_with("+CGDCONT")) return std::nullopt;
    CgdcontReply r;
    if (u == "+CGDCONT?") {
        for (const auto& [cid, c] : pdp_contexts(module.state(), defaults))
            r.lines.push_back(fmt::format("+CGDCONT: {},\"{}\",\"{}\",\"{}\",0,0,0,0", cid, c.type,
                                          c.apn, address_of(c.type)));
    } else if (u == "+CGDCONT=?") {
        for (const char* t : {"IP", "PPP", "IPV6", "IPV4V6"})
            r.lines.push_back(fmt::format("+CGDCONT: (1-{}),\"{}\",,,(0),(0),(0,1)", max_cid, t));
    } else if (u.starts_with("+CGDCONT=")) {
        module.update([&](ModuleState& s) {
            PdpContexts contexts = pdp_contexts(s, defaults);
            r.ok = define_context(contexts, cmd.substr(9), max_cid);
            if (r.ok) store_pdp_contexts(s, contexts);
        });
    } else {
        r.ok = false;
    }
    return r;
}

}  // namespace cr::sim
