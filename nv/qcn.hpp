// QCN: the OLE2 compound-document form of a QPST backup, read and written through libgsf.
// Same storage/stream tree as XQCN (PROTOCOLS.md §6): <model id>/default/{NV_NUMBERED_ITEMS,
// EFS_Backup, Provisioning_Item_Files, NV_Items, Mobile_Property_Info, Feature_Mask} and
// File_Version at the root.
#pragma once
#include <filesystem>

#include "nv/calibration.hpp"

namespace cr::nv {

// Throws DecodeError for a file that is not OLE2, or whose tree/streams are malformed (same
// checks as read_xqcn), NotFoundError/IoError for file problems.
Calibration read_qcn(ByteView data);
Calibration read_qcn_file(const std::filesystem::path& file);

Bytes write_qcn(const Calibration& cal);
void write_qcn_file(const std::filesystem::path& file, const Calibration& cal);  // atomic

}  // namespace cr::nv
