// `backup` for a device in EDL: the raw calibration partitions (efs2, fsg, modem_st1/st2 when
// the partition table has them) into one partition bundle, through the EDL session.
#pragma once
#include "src/workflows/backup/backup.hpp"

namespace cr::workflows {

// The calibration partitions the backup reads, in order (those the table has).
inline constexpr const char* kCalibrationPartitions[] = {
    "efs2", "efs2apps", "modemst1", "modemst2", "fsg", "fsc", "modem_st1", "modem_st2"};

// Throws NotFoundError when the table holds none of them; errors of the EDL session propagate
// and leave no bundle.
BackupResult backup_raw_partitions(Device& device, const BackupOptions& options);

}  // namespace cr::workflows
