#include "protocols/at/settings_record.hpp"

#include <fmt/format.h>

#include <set>

#include "src/util/error.hpp"

namespace cr::at::settings {
namespace {

constexpr std::size_t kMaxEntries = 512;
constexpr std::size_t kMaxText = 256;

[[noreturn]] void bad(const std::string& what) {
    throw DecodeError("settings file: " + what, "nothing was sent to the module",
                      "use a file written by `cellrescue settings save`, or fix it");
}

std::string text_field(const nlohmann::json& j, const char* key, bool required = false) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) bad(fmt::format("'{}' is missing", key));
        return {};
    }
    if (!it->is_string()) bad(fmt::format("'{}' is not a string", key));
    auto s = it->get<std::string>();
    if (s.size() > kMaxText) bad(fmt::format("'{}' is longer than {} bytes", key, kMaxText));
    return s;
}

const nlohmann::json& array_field(const nlohmann::json& j, const char* key) {
    static const nlohmann::json empty = nlohmann::json::array();
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return empty;
    if (!it->is_array()) bad(fmt::format("'{}' is not a list", key));
    if (it->size() > kMaxEntries)
        bad(fmt::format("'{}' has more than {} entries", key, kMaxEntries));
    return *it;
}

ModuleInfo module_from_json(const nlohmann::json& j) {
    if (!j.is_object()) bad("'module' is not an object");
    ModuleInfo m;
    auto vendor = parse_vendor(text_field(j, "vendor", true));
    if (!vendor) bad(fmt::format("vendor '{}' (quectel or ublox)", text_field(j, "vendor")));
    m.vendor = *vendor;
    m.model = text_field(j, "model");
    m.imei = text_field(j, "imei");
    m.chip_serial = text_field(j, "chip_serial");
    m.device = text_field(j, "device");
    return m;
}

Setting setting_from_json(Vendor vendor, const nlohmann::json& j) {
    if (!j.is_object()) bad("a setting is not an object");
    Setting s{text_field(j, "id", true), text_field(j, "command"), text_field(j, "value", true)};
    const SettingSpec* spec = find_spec(vendor, s.id);
    if (!spec)
        bad(fmt::format("setting '{}' is not a {} setting cellrescue knows", s.id,
                        to_string(vendor)));
    if (auto why = why_invalid(spec->kind, s.value); !why.empty())
        bad(fmt::format("setting {}: value '{}' is not valid ({})", s.id, s.value.substr(0, 80),
                        why));
    if (s.command.empty()) s.command = spec->query;
    return s;
}

}  // namespace

const Setting* SettingsRecord::find(std::string_view id) const {
    for (const auto& s : settings)
        if (s.id == id) return &s;
    return nullptr;
}

const Unsupported* SettingsRecord::find_unsupported(std::string_view id) const {
    const bool context = context_id(id) != 0;  // "cgdcont/2": the whole +CGDCONT may be unknown
    for (const auto& u : unsupported)
        if (u.id == id || (context && u.id == "cgdcont")) return &u;
    return nullptr;
}

nlohmann::json to_json(const SettingsRecord& r) {
    nlohmann::json settings = nlohmann::json::array();
    for (const auto& s : r.settings) {
        nlohmann::json e{{"id", s.id}, {"command", s.command}, {"value", s.value}};
        if (const SettingSpec* spec = find_spec(r.module.vendor, s.id)) {
            try {
                e["set"] = set_commands(*spec, s.id, s.value);
            } catch (const DecodeError&) {
                // not writable as given: the value stays, without a set command
            }
            e["effect"] = std::string(to_string(spec->effect));
        }
        settings.push_back(std::move(e));
    }
    nlohmann::json unsupported = nlohmann::json::array();
    for (const auto& u : r.unsupported)
        unsupported.push_back({{"id", u.id}, {"command", u.command}, {"reply", u.reply}});
    return {{"format", record_format},
            {"version", record_version},
            {"created", r.created},
            {"tool", r.tool_version},
            {"module",
             {{"vendor", std::string(to_string(r.module.vendor))},
              {"model", r.module.model},
              {"imei", r.module.imei},
              {"chip_serial", r.module.chip_serial},
              {"device", r.module.device}}},
            {"firmware", r.module.firmware},
            {"settings", settings},
            {"unsupported", unsupported},
            {"carrier_configs", r.carrier_configs}};
}

SettingsRecord record_from_json(const nlohmann::json& j) {
    if (!j.is_object()) bad("not a JSON object");
    if (text_field(j, "format", true) != record_format)
        bad(fmt::format("format '{}' is not '{}'", text_field(j, "format"), record_format));
    auto v = j.find("version");
    if (v == j.end() || !v->is_number_integer() || v->get<long long>() != record_version)
        bad(fmt::format("version is not {} (a newer cellrescue wrote it?)", record_version));
    SettingsRecord r;
    auto m = j.find("module");
    if (m == j.end()) bad("'module' is missing");
    r.module = module_from_json(*m);
    r.module.firmware = text_field(j, "firmware");
    r.created = text_field(j, "created");
    r.tool_version = text_field(j, "tool");
    std::set<std::string> ids;
    for (const auto& e : array_field(j, "settings")) {
        Setting s = setting_from_json(r.module.vendor, e);
        if (!ids.insert(s.id).second) bad(fmt::format("setting '{}' appears twice", s.id));
        r.settings.push_back(std::move(s));
    }
    for (const auto& e : array_field(j, "unsupported")) {
        if (!e.is_object()) bad("an unsupported entry is not an object");
        r.unsupported.push_back(
            {text_field(e, "id", true), text_field(e, "command"), text_field(e, "reply")});
    }
    for (const auto& e : array_field(j, "carrier_configs")) {
        if (!e.is_string() || !valid_value(ValueKind::quoted, "\"" + e.get<std::string>() + "\""))
            bad("a carrier_configs entry is not a configuration name");
        r.carrier_configs.push_back(e.get<std::string>());
    }
    return r;
}

SettingsRecord record_from_text(std::string_view text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) bad("not valid JSON");
    return record_from_json(j);
}

RecordDiff diff(const SettingsRecord& a, const SettingsRecord& b) {
    RecordDiff d;
    d.firmware_differs = a.module.firmware != b.module.firmware;
    std::vector<std::string> ids;  // A's order, then what only B has
    for (const auto& s : a.settings) ids.push_back(s.id);
    for (const auto& u : a.unsupported) ids.push_back(u.id);
    for (const auto& s : b.settings) ids.push_back(s.id);
    for (const auto& u : b.unsupported) ids.push_back(u.id);
    std::set<std::string> seen;
    for (const auto& id : ids) {
        if (!seen.insert(id).second) continue;
        const Setting* sa = a.find(id);
        const Setting* sb = b.find(id);
        const SettingSpec* spec = find_spec(a.module.vendor, id);
        if (sa && sb && a.module.vendor == b.module.vendor && spec &&
            equivalent(spec->kind, sa->value, sb->value)) {
            ++d.same;
            continue;
        }
        if (!sa && !sb) continue;  // unsupported on both sides
        SettingDiff e{id, sa ? sa->command : sb->command, {}, {}, {}};
        if (sa) e.a = sa->value;
        if (sb) e.b = sb->value;
        if (!sb)
            if (const Unsupported* u = b.find_unsupported(id))
                e.note =
                    fmt::format("unknown to B's firmware {} ({})", b.module.firmware, u->reply);
        if (!sa)
            if (const Unsupported* u = a.find_unsupported(id))
                e.note =
                    fmt::format("unknown to A's firmware {} ({})", a.module.firmware, u->reply);
        d.differences.push_back(std::move(e));
    }
    return d;
}

nlohmann::json to_json(const RecordDiff& d) {
    nlohmann::json diffs = nlohmann::json::array();
    for (const auto& e : d.differences)
        diffs.push_back({{"id", e.id},
                         {"command", e.command},
                         {"a", e.a ? nlohmann::json(*e.a) : nlohmann::json()},
                         {"b", e.b ? nlohmann::json(*e.b) : nlohmann::json()},
                         {"note", e.note}});
    return {{"identical", d.empty()},
            {"same", d.same},
            {"firmware_differs", d.firmware_differs},
            {"differences", diffs}};
}

}  // namespace cr::at::settings
