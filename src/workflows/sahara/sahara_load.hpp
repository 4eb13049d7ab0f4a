// `cellrescue edl load`: upload a Firehose programmer file over Sahara. The device then runs the
// programmer (Firehose) on its EDL port.
#pragma once
#include <filesystem>

#include "protocols/sahara/sahara_client.hpp"
#include "src/device/device.hpp"
#include "src/util/progress.hpp"

namespace cr::workflows {

struct LoadResult {
    std::string device;
    std::string programmer;  // file name
    std::string sha256;      // of the file
    sahara::HelloInfo hello;
    sahara::UploadResult upload;
};

// Checks the file first (NotFoundError when missing, UsageError when empty or not a file), then
// opens the EDL port and uploads. Throws the Sahara client's typed errors (a secure-boot
// rejection is a ProtocolError naming status 0x0D).
LoadResult load_programmer(Device& device, const std::filesystem::path& programmer,
                           const ProgressFn& progress = {});

}  // namespace cr::workflows
