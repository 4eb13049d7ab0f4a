// Raw partition backups into the backup store, and writing them back.
//
// Used by `flash` (calibration guard), by `edl write/erase` on a calibration region (engineer F),
// by `backup` in EDL mode (engineer C) and by `edl restore-partition`.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "src/archive/backup_store.hpp"
#include "src/package/flash_plan.hpp"  // Region
#include "src/util/progress.hpp"

namespace cr::workflows {

// Reads a region from the device, pushing its bytes (exactly num_sectors*sector_size) in order.
// With a FirehoseClient: [&](const Region& r, const ByteSink& s) { client.read(to_fh(r), s); }
using RegionReader = std::function<void(const package::Region&, const ByteSink&)>;
// Writes a region to the device: `bytes` bytes pulled from `source` (fill the span, return the
// count; the bundle's data is verified as it is pulled and a mismatch throws VerifyError).
using SourceFn = std::function<std::size_t(std::span<std::uint8_t>)>;
using RegionWriter =
    std::function<void(const package::Region&, std::uint64_t bytes, const SourceFn& source)>;

struct PartitionBackupResult {
    std::filesystem::path file;  // the committed, verified bundle
    archive::BundleManifest manifest;
};

// Reads every region into ONE partition bundle (kind partition; one entry per region named by
// its label, metadata = the region's addressing and `reason`), commits it atomically and
// verifies it. Regions without a label are named "lun<N>_<start>". Throws (the exception of the
// failing read, or IoError/VerifyError) and leaves no bundle when anything fails; the caller must
// then NOT write or erase the region. The error text says that nothing was written.
// What each entry holds is recorded in the manifest metadata "content" (backup_content.hpp);
// `incoming` gives, per entry name, the first bytes of the image the caller is about to write
// there (a region that already begins with them is recorded as "package-image": blank).
PartitionBackupResult backup_partitions(const archive::BackupStore& store,
                                        const archive::DeviceIdentity& identity,
                                        std::span<const package::Region> regions,
                                        const RegionReader& read, const std::string& reason,
                                        const ProgressFn& progress = {},
                                        const std::map<std::string, Bytes>& incoming = {});

// The region an entry of a partition bundle was read from (from its metadata). Throws
// DecodeError if the metadata is incomplete.
package::Region region_of(const archive::BundleEntry& entry);

struct PartitionRestoreOptions {
    bool allow_other_device = false;  // the bundle's identity differs from the device's
    std::vector<std::string> only;    // entry names to restore (empty = all)
    bool verify = true;               // read back and compare SHA-256 after writing
};

struct RestoredPartition {
    std::string label;
    std::uint64_t bytes = 0;
    std::string sha256;
    bool verified = false;
};

// Writes a partition bundle back. Before the first byte: opens the bundle with a full checksum
// check, verifies every chosen entry, checks that the bundle belongs to `device` (same_device;
// SafetyError unless allow_other_device; a bundle without identity is treated as foreign), and
// that the bundle is a partition bundle. Then writes each entry to its recorded region and, if
// verify, reads it back (`read_back`) and compares SHA-256 (VerifyError on mismatch).
std::vector<RestoredPartition> restore_partitions(const std::filesystem::path& bundle,
                                                  const archive::DeviceIdentity& device,
                                                  const RegionWriter& write,
                                                  const RegionReader& read_back,
                                                  const PartitionRestoreOptions& options,
                                                  const ProgressFn& progress = {});

}  // namespace cr::workflows
