// XQCN: QPST 2.7.496's XML form of a QCN backup (PROTOCOLS.md §6). The writer produces QPST's
// byte layout exactly (declaration + blank line, LF, 2-space indent, single-quoted attributes
// Length/Name/Value, uppercase hex with a space after every byte, self-closing empty storages).
#pragma once
#include <filesystem>
#include <string>

#include "nv/calibration.hpp"

namespace cr::nv {

// Parses XQCN text (pugixml). Throws DecodeError naming the storage/stream at fault for:
// malformed XML, unknown storages or streams, Length not matching the Value, odd/invalid hex,
// NV records that are not 136 bytes, EFS_Dir entries without matching EFS_Data.
// identity.imeis / esn / mobile_model_id are filled from NV 550 and Mobile_Property_Info.
Calibration read_xqcn(std::string_view text);
Calibration read_xqcn_file(const std::filesystem::path& file);  // + IoError/NotFoundError

// Serialises in QPST's layout: groups in cal.group_order, no line end after the root's closing
// tag. `source_name` empty -> "C:\\cellrescue\\00000000_0.xqcn".
std::string write_xqcn(const Calibration& cal);
// Writes atomically with the root storage named after `file` (its absolute path), as QPST
// names it after the file it writes.
void write_xqcn_file(const std::filesystem::path& file, const Calibration& cal);
// The root storage name write_xqcn_file gives `file`.
std::string xqcn_root_name(const std::filesystem::path& file);

}  // namespace cr::nv
