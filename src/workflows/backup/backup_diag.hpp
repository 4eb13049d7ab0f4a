// The DIAG side shared by backup and restore: one DiagClient with its NV and EFS2 clients over
// a transport, and the reads both workflows need (identity, NV items, the EFS tree).
#pragma once
#include <memory>

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

// Reads one numbered NV item (indexed when ref.indexed). nullopt when the target refuses it
// (NOTACTIVE, BAD_PARM, SPC-protected).
std::optional<nv::NvItem> read_nv_item(DiagLink& link, const nv::NvFileRef& ref);

// Every file of the EFS tree (walk from "/", READDIR sizes, GET for small files).
struct EfsSnapshotFile {
    std::string path;
    std::uint32_t mtime = 0;
    Bytes data;
};
std::vector<EfsSnapshotFile> read_efs_tree(DiagLink& link, const ProgressFn& progress);

}  // namespace cr::workflows
