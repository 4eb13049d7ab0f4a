#include "src/workflows/backup/backup_edl.hpp"

#include <fmt/format.h>

#include <map>

#include "src/archive/backup_store.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/partition_backup.hpp"
#include "src/workflows/session/edl_session.hpp"

namespace cr::workflows {

BackupResult backup_raw_partitions(Device& device, const BackupOptions& options) {
    EdlOptions edl;
    edl.programmer = options.programmer;
    edl.progress = options.progress;
    std::unique_ptr<EdlSession> session = EdlSession::open(device, edl);
    std::vector<package::Region> regions;
    std::map<std::string, const partition::Partition*> by_label;
    for (const char* name : kCalibrationPartitions) {
        const partition::Partition* part = session->partitions().find(name);
        if (!part) continue;
        package::Region r;
        r.label = part->name;
        r.physical_partition = part->lun;
        r.sector_size = session->sector_size();
        r.start_sector = part->start_sector;
        r.num_sectors = part->num_sectors;
        r.pages_per_block = session->pages_per_block();
        regions.push_back(r);
        by_label[r.label] = part;
    }
    if (regions.empty())
        throw NotFoundError(
            "the partition table has no calibration partition (efs2, modemst1/2, fsg, fsc)",
            "in EDL, Firehose running; nothing was changed",
            "check the model; `cellrescue edl partitions` lists what is there");
    archive::DeviceIdentity identity;
    const ChipIdentity& chip = session->chip();
    if (chip.serial) identity.chip_serial = fmt::format("{:#010x}", chip.serial);
    if (chip.msm_hw_id) identity.msm_hw_id = fmt::format("{:#010x}", chip.msm_hw_id);
    identity.pk_hash = chip.pk_hash_hex;
    identity.model = options.model;
    auto read = [&](const package::Region& r, const ByteSink& sink) {
        session->firehose().read(session->region(*by_label.at(r.label)),
                                 [&](ByteView data) { sink(data); });
    };
    archive::BackupStore store(options.store_dir);
    PartitionBackupResult saved = backup_partitions(store, identity, regions, read,
                                                    "calibration backup (EDL)", options.progress);
    BackupResult result;
    result.raw_partitions = true;
    result.bundle = saved.file;
    if (options.output) {
        if (options.format != CalibrationFormat::bundle)
            throw UsageError("a device in EDL gives raw partition images, not an XQCN/QCN",
                             "in EDL; the raw backup is in the store: " + saved.file.string(),
                             "use --format bundle, or back up over DIAG in normal mode");
        std::filesystem::copy_file(saved.file, *options.output,
                                   std::filesystem::copy_options::overwrite_existing);
        result.exported = options.output;
    }
    return result;
}

}  // namespace cr::workflows
