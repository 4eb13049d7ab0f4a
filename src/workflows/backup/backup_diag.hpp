// The DIAG side shared by backup and restore: one DiagClient with its NV and EFS2 clients over
// a transport, and the reads both workflows need (identity, NV items, the EFS tree).
#pragma once
#include <functional>
#include <memory>
#include <span>

#include "nv/calibration.hpp"
#include "nv/nv_catalog.hpp"
#include "nv/restore_plan.hpp"
#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/workflows/backup/backup.hpp"

namespace cr::workflows {

struct DiagLink {
    // pipeline: read requests kept in flight (diag::DiagOptions::pipeline).
    explicit DiagLink(Transport& transport, std::size_t pipeline = diag::kDefaultPipeline)
        : diag(transport, diag::DiagOptions{.pipeline = pipeline}), nv(diag), efs(diag) {}
    diag::DiagClient diag;
    diag::NvClient nv;
    diag::Efs2Client efs;
    DiagTraffic traffic() const {
        const auto& s = diag.stats();
        return {s.round_trips, s.bytes_sent + s.bytes_received};
    }
};

// Identity over DIAG: EXT_BUILD_ID (firmware, model id, MSM), ESN, NV 550 per subscription.
// Refusals (error replies, NOTACTIVE) leave fields empty; transport failures throw.
nv::DeviceIdentity read_identity(DiagLink& link);
nv::TargetIdentity to_target_identity(const nv::DeviceIdentity& identity);

// The NV read request for a numbered item (indexed when ref.indexed).
diag::NvReadRequest nv_read_request(const nv::NvFileRef& ref);
// Reads NV items with reads in flight (NvClient::read_many), in chunks so `on_chunk` can
// report progress (items done so far). Per-item refusals are in each result.
std::vector<diag::NvResult> read_nv_results(DiagLink& link,
                                            std::span<const diag::NvReadRequest> requests,
                                            const std::function<void(std::size_t)>& on_chunk);
// Numbered NV items read that way. An entry is nullopt when the target refused that item
// (NOTACTIVE, BAD_PARM, SPC-protected); transport failures throw.
std::vector<std::optional<nv::NvItem>> read_nv_items(
    DiagLink& link, std::span<const nv::NvFileRef> refs,
    const std::function<void(std::size_t)>& on_chunk = {});

// Every file of the EFS tree (walk from "/", READDIR sizes, GET for small files).
struct EfsSnapshotFile {
    std::string path;
    std::uint32_t mtime = 0;
    Bytes data;
};
std::vector<EfsSnapshotFile> read_efs_tree(DiagLink& link, const ProgressFn& progress);

}  // namespace cr::workflows
