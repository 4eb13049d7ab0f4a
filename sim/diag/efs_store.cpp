// Persisting the virtual EFS in the efs2 partition, and the health queries built on it.
#include "sim/diag/efs_store.hpp"

#include <fmt/format.h>

#include <fstream>

#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"

namespace cr::sim {
namespace {

constexpr std::uint64_t kFileBackedCapacity = 8u << 20;  // models without flash storage

std::filesystem::path file_backing(const VirtualModule& module) {
    return module.dir() / "efs2.bin";
}

bool has_flash(const VirtualModule& module) {
    return module.model().storage != StorageKind::none;
}

const PartitionSpec& efs2_partition(const VirtualModule& module) {
    const PartitionSpec* p = find_partition(module.model(), "efs2");
    if (!p) throw UsageError(fmt::format("{} has no efs2 partition", module.model().product));
    return *p;
}

Bytes read_backing(VirtualModule& module, std::uint64_t offset, std::size_t length) {
    Bytes out(length, 0);
    if (has_flash(module)) {
        const PartitionSpec& p = efs2_partition(module);
        module.storage().read_bytes(p.start_sector * module.model().sector_size + offset, out);
        return out;
    }
    std::ifstream in(file_backing(module), std::ios::binary);
    if (!in) return out;  // never written: reads as erased
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(length));
    return out;
}

}  // namespace

std::string nv_item_path(std::uint16_t item, std::uint16_t sub) {
    return sub == 0 ? fmt::format("/nvm/num/{}", item)
                    : fmt::format("/nvm/context{}/{}", sub, item);
}

std::uint64_t efs_capacity(VirtualModule& module) {
    if (!has_flash(module)) return kFileBackedCapacity;
    return efs2_partition(module).num_sectors * module.model().sector_size;
}

EfsTree load_efs(VirtualModule& module) {
    Bytes header = read_backing(module, 0, kEfsImageHeaderSize);
    auto size = efs_image_payload_size(header);
    if (!size || *size > efs_capacity(module) - kEfsImageHeaderSize) return EfsTree::skeleton();
    Bytes image = read_backing(module, 0, kEfsImageHeaderSize + *size);
    if (auto tree = EfsTree::deserialize(image)) return std::move(*tree);
    return EfsTree::skeleton();  // damaged image: the modem reformats
}

void store_efs(VirtualModule& module, const EfsTree& tree) {
    Bytes image = tree.serialize();
    if (image.size() > efs_capacity(module))
        throw IoError(fmt::format("the EFS image ({} bytes) does not fit the efs2 partition ({})",
                                  image.size(), efs_capacity(module)));
    if (has_flash(module)) {
        const PartitionSpec& p = efs2_partition(module);
        module.storage().write_bytes(p.start_sector * module.model().sector_size, image);
        module.storage().sync();
    } else {
        write_file_atomically(file_backing(module), image);
    }
}

bool EfsHealth::calibrated() const {
    bool ftm_clear = nv453 && !nv453->empty();
    if (ftm_clear)
        for (auto b : *nv453) ftm_clear = ftm_clear && b == 0;
    return formatted && has_imei && ftm_clear && rfnv_files > 0;
}

EfsHealth efs_health(const EfsTree& tree) {
    EfsHealth h;
    h.has_imei = tree.exists("/nvm/num/550");
    h.has_imei2 = tree.exists("/nvm/context1/550");
    if (const EfsNode* n = tree.find("/nvm/num/453")) h.nv453 = n->data;
    h.rfnv_files = tree.children("/nv/item_files/rfnv").size();
    h.nv_items = tree.children("/nvm/num").size();
    h.files = tree.file_count();
    h.bytes = tree.total_bytes();
    h.formatted = h.files > 0;  // the skeleton has directories only
    return h;
}

EfsHealth efs_health(VirtualModule& module) {
    Bytes header = read_backing(module, 0, kEfsImageHeaderSize);
    EfsHealth h = efs_health(load_efs(module));
    h.formatted = efs_image_payload_size(header).has_value() && h.files > 0;
    return h;
}

DiagRuntime diag_runtime(const ModuleState& state) {
    DiagRuntime r;
    if (!state.extra.contains("diag") || !state.extra["diag"].is_object()) return r;
    const auto& d = state.extra["diag"];
    r.offline = d.value("offline", false);
    r.pending_reset = d.value("pending_reset", false);
    r.spc_unlocked = d.value("spc_unlocked", false);
    r.spc_failures = d.value("spc_failures", 0);
    return r;
}

void set_diag_runtime(ModuleState& state, const DiagRuntime& r) {
    state.extra["diag"] = {{"offline", r.offline},
                           {"pending_reset", r.pending_reset},
                           {"spc_unlocked", r.spc_unlocked},
                           {"spc_failures", r.spc_failures}};
}

int derived_cfun(VirtualModule& module) {
    DiagRuntime r = diag_runtime(module.state());
    if (r.offline || r.pending_reset) return 7;
    return efs_health(module).calibrated() ? 1 : 5;
}

}  // namespace cr::sim
