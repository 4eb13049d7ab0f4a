// Where a file taken from a module's EFS goes in a QPST-shaped backup, and how it is written back.
#pragma once
#include <string_view>

#include "nv/calibration.hpp"

namespace cr::nv {

// Provisioning_Item_Files: item files under /nv/item_files/ims/ and /nv/item_files/modem/data/
// (operator provisioning); NV_Items: the other files under /nv/item_files/ (including rfnv);
// EFS_Backup: everything else (/nvm/num, /nvm/context<N>, /rfc, /policyman, /data, ...).
EfsGroup classify_efs_path(std::string_view path);

// True when the file should be written back as an EFS item file (S_IFITM): paths under
// /nv/item_files/ and /nvm/. QCN files carry no file type, so the path decides.
bool is_item_file_path(std::string_view path);

// Absolute form of a stored path ("nvm/num/550" -> "/nvm/num/550").
std::string absolute_efs_path(std::string_view path);

}  // namespace cr::nv
