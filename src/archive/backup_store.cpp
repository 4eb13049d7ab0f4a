#include "src/archive/backup_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "src/util/error.hpp"

namespace cr::archive {
namespace {

// File-name-safe rendering of an identity field.
std::string slug(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_')
            out += c;
        else if (!out.empty() && out.back() != '_')
            out += '_';
        if (out.size() >= 32) break;
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out.empty() ? "unknown" : out;
}

std::string compact_time(const std::string& iso) {
    std::string out;
    for (char c : iso)
        if (c != '-' && c != ':') out += c;
    return out;  // 20261122T032140Z
}

}  // namespace

nlohmann::json to_json(const StoredBundle& b) {
    nlohmann::json j = {
        {"file", b.file.string()}, {"file_size", b.file_size}, {"readable", b.readable}};
    if (!b.readable) {
        j["error"] = b.error;
        return j;
    }
    j["kind"] = to_string(b.manifest.kind);
    j["created"] = b.manifest.created;
    j["tool_version"] = b.manifest.tool_version;
    j["identity"] = to_json(b.manifest.identity);
    j["metadata"] = b.manifest.metadata;
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : b.manifest.entries)
        entries.push_back({{"name", e.name}, {"size", e.size}, {"sha256", e.sha256}});
    j["entries"] = entries;
    return j;
}

BackupStore::BackupStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path BackupStore::new_bundle_path(BundleKind kind, const DeviceIdentity& identity,
                                                   const std::string& label) const {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec)
        throw IoError(
            fmt::format("cannot create the backup store {}: {}", dir_.string(), ec.message()), {},
            "choose a writable directory with --backup-dir");
    clean_before_write();
    std::string who = !identity.chip_serial.empty() ? identity.chip_serial
                      : !identity.imeis.empty()     ? identity.imeis.front()
                                                    : std::string("unknown");
    std::string base = fmt::format("{}-{}-{}-{}", compact_time(utc_now_iso8601()), to_string(kind),
                                   slug(identity.model), slug(who));
    if (!label.empty()) base += "-" + slug(label);
    for (int n = 0;; ++n) {
        auto path = dir_ / (n == 0 ? base + ".crb" : fmt::format("{}-{}.crb", base, n));
        if (!std::filesystem::exists(path)) return path;
    }
}

std::vector<StoredBundle> BackupStore::list() const {
    std::vector<StoredBundle> out;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec)) return out;
    for (const auto& de : std::filesystem::directory_iterator(dir_, ec)) {
        if (!de.is_regular_file() || de.path().extension() != ".crb") continue;
        StoredBundle b;
        b.file = de.path();
        b.file_size = de.file_size(ec);
        try {
            b.manifest = BundleReader::open(b.file, BundleReader::Check::manifest).manifest();
        } catch (const Error& e) {
            b.readable = false;
            b.error = e.what();
        }
        out.push_back(std::move(b));
    }
    std::sort(out.begin(), out.end(), [](const StoredBundle& a, const StoredBundle& b) {
        if (a.manifest.created != b.manifest.created)
            return a.manifest.created > b.manifest.created;
        return a.file.filename() > b.file.filename();
    });
    return out;
}

std::optional<StoredBundle> BackupStore::find_newest(const DeviceIdentity& identity,
                                                     BundleKind kind,
                                                     const std::string& entry) const {
    for (auto& b : list()) {
        if (!b.readable || b.manifest.kind != kind) continue;
        if (!same_device(b.manifest.identity, identity)) continue;
        if (!entry.empty() && std::none_of(b.manifest.entries.begin(), b.manifest.entries.end(),
                                           [&](const BundleEntry& e) { return e.name == entry; }))
            continue;
        return b;
    }
    return std::nullopt;
}

}  // namespace cr::archive
