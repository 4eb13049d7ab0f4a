#include "src/workflows/restore/restore_marker.hpp"

#include <nlohmann/json.hpp>

namespace cr::workflows {

std::string encode_marker(const RestoreMarker& m) {
    return nlohmann::json{{"cellrescue", "restore-incomplete"},
                          {"source", m.source},
                          {"started", m.started},
                          {"nv_items", m.nv_items},
                          {"efs_files", m.efs_files},
                          {"state", m.state},
                          {"differences", m.differences}}
        .dump();
}

std::optional<RestoreMarker> decode_marker(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("cellrescue", "") != "restore-incomplete") return std::nullopt;
    try {
        return RestoreMarker{j.value("source", ""),
                             j.value("started", ""),
                             j.value("nv_items", std::size_t{0}),
                             j.value("efs_files", std::size_t{0}),
                             j.value("state", "writing"),
                             j.value("differences", std::size_t{0})};
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

void write_restore_marker(diag::Efs2Client& efs, const RestoreMarker& marker) {
    std::string text = encode_marker(marker);
    efs.write_file(kRestoreMarker,
                   ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    efs.sync("/");
}

void mark_restore_verify_failed(diag::Efs2Client& efs, RestoreMarker marker,
                                std::size_t differences) {
    marker.state = "verify-failed";
    marker.differences = differences;
    write_restore_marker(efs, marker);
}

void remove_restore_marker(diag::Efs2Client& efs) {
    try {
        efs.unlink(kRestoreMarker);
    } catch (const diag::EfsError& e) {
        if (e.err() != diag::efs::kEnoent) throw;
    }
    try {
        efs.rmdir(kMarkerDir);
    } catch (const diag::EfsError&) {  // not empty (someone else's file) or already gone
    }
    efs.sync("/");
}

std::optional<std::string> read_restore_marker(diag::Efs2Client& efs) {
    try {
        Bytes b = efs.read_file(kRestoreMarker);
        return std::string(b.begin(), b.end());
    } catch (const diag::EfsError& e) {
        if (e.err() == diag::efs::kEnoent) return std::nullopt;
        throw;
    }
}

}  // namespace cr::workflows
