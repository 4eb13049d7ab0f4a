// Builds a Quectel-layout firmware package for a virtual model (`cellrescue sim make-firmware`):
//   [<firmware>/]update/firehose/<programmer>       the virtual programmer for the model's chip
//   [<firmware>/]update/firehose/rawprogram*_update.xml  erase (NAND) + program of each image
//   [<firmware>/]update/firehose/rawprogram*_factory.xml (with_factory) also writes cefs.mbn
//                                                         into efs2: destroys calibration
//   [<firmware>/]update/firehose/patch*.xml         one DISK patch (into misc) + one non-DISK
//   [<firmware>/]update/<images>                    small deterministic images, referenced as
//                                                   "..\\NAME" with backslashes
//   [<firmware>/]md5.txt                            Quectel style: a header, then
//                                                   "D:\\<path>   :<md5>" for every file
// Calibration partitions, the partition table (mibib / GPT) and misc are never programmed by the
// update XML. An output ending in .zip is a zip archive with a top-level <firmware>/ folder.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/core/model_catalog.hpp"

namespace cr::package {

struct SimFirmwareOptions {
    bool with_factory = false;
    std::size_t image_bytes = 96 * 1024;  // per image, capped at the partition's size
    std::size_t programmer_bytes = 0;     // 0: the virtual programmer's default size
};

struct SimFirmware {
    std::filesystem::path output;
    std::vector<std::string> images;  // partition labels the update XML programs
};

// Throws UsageError for a model without Firehose storage, IoError for local failures.
SimFirmware make_sim_firmware(const sim::ModelSpec& model, const std::filesystem::path& output,
                              const SimFirmwareOptions& options = {});

// The deterministic content of a virtual image (also what tests compare read-backs against).
std::vector<std::uint8_t> sim_image_bytes(const sim::ModelSpec& model, const std::string& label,
                                          std::size_t size);

}  // namespace cr::package
