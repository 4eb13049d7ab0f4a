// Calibration <-> backup bundle (kind "calibration"). Lossless: one entry per QCN stream
// ("nv/sub0".."nv/sub2" as 136-byte records, "efs/<group>/<%08X>" per EFS file with its path and
// mtime in the entry metadata, "Mobile_Property_Info", "Feature_Mask", "File_Version"), the
// identity in the manifest, the rest (model id, ESN, source name, device name) in its metadata.
#pragma once
#include <filesystem>
#include <string>

#include "nv/calibration.hpp"
#include "src/archive/bundle.hpp"

namespace cr::workflows {

archive::DeviceIdentity to_archive_identity(const nv::DeviceIdentity& identity);

// Writes (atomically, verified) a calibration bundle. `device_name` is the -d name the backup
// was taken from ("sim:rm520n"); it lets a virtual module that lost its IMEI be recognised.
// `restore_incomplete`: the module carried a restore marker (a half-restored module): recorded
// in the metadata so that such a bundle is never chosen as the module's own backup.
archive::BundleManifest write_calibration_bundle(const std::filesystem::path& file,
                                                 const nv::Calibration& cal,
                                                 const std::string& device_name = {},
                                                 bool restore_incomplete = false);
// Whether a calibration bundle was taken of a module with an unfinished restore.
bool bundle_restore_incomplete(const archive::BundleManifest& manifest);
// Reads a verified bundle; throws DecodeError when it is not a calibration bundle.
nv::Calibration read_calibration_bundle(const archive::BundleReader& reader);
// The -d name recorded at backup time ("" when none).
std::string bundle_device_name(const archive::BundleManifest& manifest);

}  // namespace cr::workflows
