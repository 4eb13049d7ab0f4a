#include "src/workflows/backup/backup_diag.hpp"

#include <spdlog/spdlog.h>

#include <iterator>

#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "src/workflows/restore/restore_marker.hpp"

namespace cr::workflows {

nv::DeviceIdentity read_identity(DiagLink& link) {
    nv::DeviceIdentity id;
    try {
        diag::ExtBuildId ext = link.diag.ext_build_id();
        id.firmware = ext.build_id;
        id.model_string = ext.model_string;
        id.msm_hw_version = ext.msm_hw_version;
        id.mobile_model_id = ext.mobile_model_id;
    } catch (const diag::DiagCommandError& e) {
        spdlog::debug("EXT_BUILD_ID refused: {}", e.what());
    }
    try {
        id.esn = link.diag.esn();
    } catch (const diag::DiagCommandError& e) {
        spdlog::debug("ESN refused: {}", e.what());
    }
    for (std::uint16_t sub = 0; sub < 2; ++sub) {
        diag::NvResult r = link.nv.read(nv::item::ue_imei, sub);
        std::string imei;
        if (r.ok()) {
            try {
                imei = nv::decode_imei_nv(r.data).value_or("");
            } catch (const Error& e) {
                spdlog::warn("NV 550 (sub {}) does not hold an IMEI: {}", sub, e.what());
            }
        }
        id.imeis.push_back(imei);
    }
    while (!id.imeis.empty() && id.imeis.back().empty()) id.imeis.pop_back();
    return id;
}

nv::TargetIdentity to_target_identity(const nv::DeviceIdentity& identity) {
    nv::TargetIdentity t;
    t.imeis = identity.imeis;
    t.esn = identity.esn;
    t.chip_serial = identity.chip_serial;
    return t;
}

diag::NvReadRequest nv_read_request(const nv::NvFileRef& ref) {
    diag::NvReadRequest q{ref.id, static_cast<std::uint16_t>(ref.subscription), std::nullopt};
    if (ref.indexed) q.index = static_cast<std::uint8_t>(ref.index);
    return q;
}

std::vector<diag::NvResult> read_nv_results(DiagLink& link,
                                            std::span<const diag::NvReadRequest> requests,
                                            const std::function<void(std::size_t)>& on_chunk) {
    constexpr std::size_t kChunk = 64;  // progress granularity; the pipeline spans each chunk
    std::vector<diag::NvResult> results;
    results.reserve(requests.size());
    for (std::size_t first = 0; first < requests.size(); first += kChunk) {
        auto chunk =
            link.nv.read_many(requests.subspan(first, std::min(kChunk, requests.size() - first)));
        std::move(chunk.begin(), chunk.end(), std::back_inserter(results));
        if (on_chunk) on_chunk(results.size());
    }
    return results;
}

std::vector<std::optional<nv::NvItem>> read_nv_items(
    DiagLink& link, std::span<const nv::NvFileRef> refs,
    const std::function<void(std::size_t)>& on_chunk) {
    std::vector<diag::NvReadRequest> requests;
    requests.reserve(refs.size());
    for (const auto& ref : refs) requests.push_back(nv_read_request(ref));
    auto results = read_nv_results(link, requests, on_chunk);
    std::vector<std::optional<nv::NvItem>> items(refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const diag::NvResult& r = results[i];
        if (!r.ok()) {
            spdlog::debug("NV {} sub {}: {}", refs[i].id, refs[i].subscription, r.describe());
            continue;
        }
        nv::NvItem item;
        item.id = refs[i].id;
        item.sub_index = refs[i].index;
        std::copy_n(r.data.begin(), std::min(r.data.size(), item.data.size()), item.data.begin());
        items[i] = item;
    }
    return items;
}

std::vector<EfsSnapshotFile> read_efs_tree(DiagLink& link, const ProgressFn& progress) {
    std::vector<EfsSnapshotFile> files;
    std::vector<diag::EfsFileToRead> to_read;
    link.efs.walk("/", [&](const diag::EfsWalkEntry& e) {
        if (e.entry.is_dir()) return e.path != kMarkerDir;  // cellrescue's marker, not calibration
        if (e.entry.type == 2) {  // symbolic link: QPST keeps no links either
            spdlog::debug("EFS backup skips link {}", e.path);
            return false;
        }
        auto size = static_cast<std::uint32_t>(std::max(0, e.entry.size));
        files.push_back({e.path, static_cast<std::uint32_t>(e.entry.mtime), {}});
        to_read.push_back({e.path, size});
        return true;
    });
    const std::size_t total = files.size();
    auto contents = link.efs.read_files(to_read, [&](std::size_t done) {
        report(progress, {"backup EFS files", "files", done, total, false});
    });
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < total; ++i) {
        if (contents[i].err != 0)  // listed a moment ago, gone now: the module is changing it
            throw diag::EfsError(contents[i].err, "GET", files[i].path);
        files[i].data = std::move(contents[i].data);
        bytes += files[i].data.size();
    }
    report(progress, {"backup EFS files", "files", total, total, true});
    spdlog::debug("EFS backup: {} files, {} bytes", total, bytes);
    return files;
}

}  // namespace cr::workflows
