// Manifest and identity (de)serialisation, with strict validation of everything a reader relies on.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include "src/archive/bundle.hpp"
#include "src/archive/bundle_format.hpp"
#include "src/util/error.hpp"

namespace cr::archive {
namespace {

using nlohmann::json;

std::string get_string(const json& j, const char* key, const char* what) {
    if (!j.contains(key)) return {};
    if (!j[key].is_string())
        throw DecodeError(fmt::format("bundle manifest: {}.{} is not a string", what, key));
    return j[key].get<std::string>();
}

std::uint64_t get_u64(const json& j, const char* key, const std::string& what) {
    if (!j.contains(key) || !j[key].is_number_unsigned())
        throw DecodeError(fmt::format("bundle manifest: {} lacks a valid '{}'", what, key));
    return j[key].get<std::uint64_t>();
}

bool is_hex64(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

BundleEntry entry_from_json(const json& j, std::size_t index) {
    std::string what = fmt::format("entry #{}", index);
    if (!j.is_object())
        throw DecodeError(fmt::format("bundle manifest: {} is not an object", what));
    BundleEntry e;
    e.name = get_string(j, "name", what.c_str());
    if (e.name.empty()) throw DecodeError(fmt::format("bundle manifest: {} has no name", what));
    what = fmt::format("entry '{}'", e.name);
    e.size = get_u64(j, "size", what);
    e.offset = get_u64(j, "offset", what);
    e.compressed_size = get_u64(j, "compressed_size", what);
    e.sha256 = get_string(j, "sha256", what.c_str());
    if (!is_hex64(e.sha256))
        throw DecodeError(fmt::format("bundle manifest: {} has a malformed sha256", what));
    if (j.contains("metadata")) {
        if (!j["metadata"].is_object())
            throw DecodeError(fmt::format("bundle manifest: {} metadata is not an object", what));
        e.metadata = j["metadata"];
    }
    return e;
}

void check_layout(std::vector<BundleEntry>& entries, std::uint64_t data_end) {
    std::set<std::string> names;
    std::vector<const BundleEntry*> sorted;
    for (const auto& e : entries) {
        if (!names.insert(e.name).second)
            throw DecodeError(fmt::format("bundle manifest: entry '{}' appears twice", e.name));
        if (e.offset < detail::kHeaderSize || e.compressed_size == 0 || e.offset > data_end ||
            e.compressed_size > data_end - e.offset)
            throw DecodeError(
                fmt::format("bundle manifest: entry '{}' lies outside the data area", e.name));
        sorted.push_back(&e);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const BundleEntry* a, const BundleEntry* b) { return a->offset < b->offset; });
    for (std::size_t i = 1; i < sorted.size(); ++i)
        if (sorted[i - 1]->offset + sorted[i - 1]->compressed_size > sorted[i]->offset)
            throw DecodeError(fmt::format("bundle manifest: entries '{}' and '{}' overlap",
                                          sorted[i - 1]->name, sorted[i]->name));
}

}  // namespace

std::string_view to_string(BundleKind kind) {
    switch (kind) {
        case BundleKind::partition:
            return "partition";
        case BundleKind::calibration:
            return "calibration";
        case BundleKind::snapshot:
            return "snapshot";
        case BundleKind::settings:
            return "settings";
    }
    return "?";
}

BundleKind parse_bundle_kind(std::string_view text) {
    if (text == "partition") return BundleKind::partition;
    if (text == "calibration") return BundleKind::calibration;
    if (text == "settings") return BundleKind::settings;
    if (text == "snapshot") return BundleKind::snapshot;
    throw DecodeError(fmt::format("unknown bundle kind '{}'", text));
}

json to_json(const DeviceIdentity& id) {
    return {{"imeis", id.imeis},         {"chip_serial", id.chip_serial},
            {"msm_hw_id", id.msm_hw_id}, {"pk_hash", id.pk_hash},
            {"model", id.model},         {"firmware", id.firmware}};
}

DeviceIdentity identity_from_json(const json& j) {
    if (!j.is_object()) throw DecodeError("bundle manifest: identity is not an object");
    DeviceIdentity id;
    if (j.contains("imeis")) {
        if (!j["imeis"].is_array())
            throw DecodeError("bundle manifest: identity.imeis is not a list");
        for (const auto& v : j["imeis"]) {
            if (!v.is_string()) throw DecodeError("bundle manifest: an IMEI is not a string");
            id.imeis.push_back(v.get<std::string>());
        }
    }
    id.chip_serial = get_string(j, "chip_serial", "identity");
    id.msm_hw_id = get_string(j, "msm_hw_id", "identity");
    id.pk_hash = get_string(j, "pk_hash", "identity");
    id.model = get_string(j, "model", "identity");
    id.firmware = get_string(j, "firmware", "identity");
    return id;
}

bool same_device(const DeviceIdentity& a, const DeviceIdentity& b) {
    if (!a.chip_serial.empty() && !b.chip_serial.empty()) return a.chip_serial == b.chip_serial;
    for (const auto& i : a.imeis)
        if (!i.empty() && std::find(b.imeis.begin(), b.imeis.end(), i) != b.imeis.end())
            return true;
    return false;
}

std::string describe(const DeviceIdentity& id) {
    std::string out = id.model.empty() ? "unknown model" : id.model;
    if (!id.chip_serial.empty()) out += " serial " + id.chip_serial;
    for (const auto& i : id.imeis) out += " IMEI " + i;
    return out;
}

json to_json(const BundleManifest& m) {
    json entries = json::array();
    for (const auto& e : m.entries)
        entries.push_back({{"name", e.name},
                           {"size", e.size},
                           {"sha256", e.sha256},
                           {"offset", e.offset},
                           {"compressed_size", e.compressed_size},
                           {"metadata", e.metadata}});
    return {{"format", "cellrescue-bundle"},  {"version", detail::kFormatVersion},
            {"kind", to_string(m.kind)},      {"created", m.created},
            {"tool_version", m.tool_version}, {"identity", to_json(m.identity)},
            {"metadata", m.metadata},         {"entries", entries}};
}

BundleManifest manifest_from_json(const json& j, std::uint64_t data_end) {
    if (!j.is_object() || j.value("format", json()) != "cellrescue-bundle")
        throw DecodeError("bundle manifest: not a cellrescue bundle manifest");
    if (!j.contains("version") || !j["version"].is_number_unsigned() ||
        j["version"].get<std::uint64_t>() != detail::kFormatVersion)
        throw DecodeError("bundle manifest: unsupported format version", {},
                          "use the cellrescue version that wrote it");
    BundleManifest m;
    m.kind = parse_bundle_kind(get_string(j, "kind", "manifest"));
    m.created = get_string(j, "created", "manifest");
    m.tool_version = get_string(j, "tool_version", "manifest");
    m.identity = identity_from_json(j.value("identity", json::object()));
    if (j.contains("metadata")) {
        if (!j["metadata"].is_object())
            throw DecodeError("bundle manifest: metadata is not an object");
        m.metadata = j["metadata"];
    }
    if (!j.contains("entries") || !j["entries"].is_array())
        throw DecodeError("bundle manifest: entries missing");
    for (std::size_t i = 0; i < j["entries"].size(); ++i)
        m.entries.push_back(entry_from_json(j["entries"][i], i));
    check_layout(m.entries, data_end);
    return m;
}

std::string utc_now_iso8601() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string tool_version() {
#ifdef CELLRESCUE_VERSION
    return CELLRESCUE_VERSION;
#else
    return "0.1.0";
#endif
}

}  // namespace cr::archive
