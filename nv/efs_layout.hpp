// Where a file taken from a module's EFS goes in a QPST-shaped backup, and how it is written back.
#pragma once
#include <string_view>

#include "nv/calibration.hpp"

namespace cr::nv {

// QPST's grouping (PROTOCOLS.md §6, checked on real exports): per-unit RF calibration
// (/nv/item_files/rfnv/) in EFS_Backup; the other item files (/nv/item_files/modem, wcdma, gsm,
// mcs, gps, ims, ...), /nv/reg_files and /sd in Provisioning_Item_Files; everything else
// (/rfc, /policyman, /data, /nvm files without an NV record) in EFS_Backup. NV_Items stays
// empty, as in QPST's exports: numbered items live in NV_NUMBERED_ITEMS.
EfsGroup classify_efs_path(std::string_view path);

// True when the file should be written back as an EFS item file (S_IFITM): paths under
// /nv/item_files/ and /nvm/. QCN files carry no file type, so the path decides.
bool is_item_file_path(std::string_view path);

// Absolute form of a stored path ("nvm/num/550" -> "/nvm/num/550").
std::string absolute_efs_path(std::string_view path);

// A cellrescue-made backup laid out as QPST writes it: every file regrouped by
// classify_efs_path, sorted by path within its group; /nvm/num, /nvm/context<N> copies of items
// that NV_NUMBERED_ITEMS already holds dropped (QPST keeps no /nvm files); groups in QPST's
// storage order. Files whose item the NV arrays lack (an item the module would not read over
// NV_READ) are kept, so nothing is lost. A file moved out of EFS_Backup loses its time and its
// dir-entry header: the other groups carry neither.
Calibration qpst_shaped(const Calibration& cal);

// True for content this tool wrote (Mobile_Property_Info names cellrescue as the tool): such
// files are reshaped on export, a QPST file keeps its own layout.
bool made_by_cellrescue(const Calibration& cal);

}  // namespace cr::nv
