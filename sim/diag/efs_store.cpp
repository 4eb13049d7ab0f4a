// Persisting the virtual EFS in its partition (efs2 on NAND, modemst1 on eMMC/UFS), and the
// health queries built on it.
#include "sim/diag/efs_store.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sim/firehose/target_storage.hpp"
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
    const PartitionSpec* p = efs_partition(module.model());
    if (!p)
        throw UsageError(
            fmt::format("{} has no {} partition", module.model().product,
                        module.model().storage == StorageKind::nand ? "efs2" : "modemst1"));
    return *p;
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

bool efs2_has_blank_programmed_pages(VirtualModule& module) {
    if (module.model().storage != StorageKind::nand) return false;
    const PartitionSpec& p = efs2_partition(module);  // no factory bad blocks: 1:1 pages
    return has_blank_programmed(module.state(), p.start_sector, p.num_sectors);
}

Bytes read_efs_bytes(VirtualModule& module, std::uint64_t offset, std::size_t length) {
    if (offset > efs_capacity(module) || length > efs_capacity(module) - offset)
        throw UsageError(
            fmt::format("virtual EFS access at {} (+{}) is past its partition", offset, length));
    Bytes out(length, 0);
    if (has_flash(module)) {
        const PartitionSpec& p = efs2_partition(module);
        module.storage(p.lun).read_bytes(p.start_sector * module.model().sector_size + offset, out);
        return out;
    }
    int fd = ::open(file_backing(module).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;  // never written: reads as erased
    std::size_t done = 0;
    while (done < length) {
        ssize_t n =
            ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // past the end of what was written: zeros
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return out;
}

void write_efs_bytes(VirtualModule& module, std::uint64_t offset, ByteView data) {
    if (offset > efs_capacity(module) || data.size() > efs_capacity(module) - offset)
        throw UsageError(fmt::format("virtual EFS write at {} (+{}) is past its partition", offset,
                                     data.size()));
    if (has_flash(module)) {
        const PartitionSpec& p = efs2_partition(module);
        module.storage(p.lun).write_bytes(p.start_sector * module.model().sector_size + offset,
                                          data);
        return;
    }
    int fd = ::open(file_backing(module).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw IoError(
            fmt::format("cannot open {}: {}", file_backing(module).string(), std::strerror(errno)));
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n =
            ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = errno;
            ::close(fd);
            throw IoError(fmt::format("cannot write {}: {}", file_backing(module).string(),
                                      std::strerror(err)));
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

void sync_efs_bytes(VirtualModule& module) {
    if (has_flash(module)) {
        module.storage(efs2_partition(module).lun).sync();
        return;
    }
    int fd = ::open(file_backing(module).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fdatasync(fd);
        ::close(fd);
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
    Bytes header = read_efs_bytes(module, 0, kEfsImageHeaderSize);
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
    r.masks.logs = d.value("log_mask", false);
    r.masks.events = d.value("event_report", false);
    r.masks.messages = d.value("msg_mask", false);
    return r;
}

void set_diag_runtime(ModuleState& state, const DiagRuntime& r) {
    state.extra["diag"] = {{"offline", r.offline},           {"pending_reset", r.pending_reset},
                           {"spc_unlocked", r.spc_unlocked}, {"spc_failures", r.spc_failures},
                           {"log_mask", r.masks.logs},       {"event_report", r.masks.events},
                           {"msg_mask", r.masks.messages}};
}

int derived_cfun(VirtualModule& module) {
    DiagRuntime r = diag_runtime(module.state());
    if (r.offline || r.pending_reset) return 7;
    return efs_health(module).calibrated() ? 1 : 5;
}

}  // namespace cr::sim
