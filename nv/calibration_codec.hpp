// Binary pieces shared by the XQCN and QCN codecs: the streams' byte layouts (PROTOCOLS.md §6).
#pragma once
#include <string>
#include <vector>

#include "nv/calibration.hpp"

namespace cr::nv {

inline constexpr std::size_t kNvRecordSize = 136;

Bytes encode_nv_records(const std::vector<NvItem>& items);
// Throws DecodeError when the size is not a multiple of 136 or a record's length field != 0x88.
std::vector<NvItem> decode_nv_records(ByteView data, const std::string& stream_name);

// EFS_Dir entry of a group: EFS_Backup `01 00 01 01, u32 mtime, path` (no NUL);
// Provisioning_Item_Files `path\0`; NV_Items `path`.
Bytes encode_efs_dir_entry(EfsGroup group, const EfsFile& file);
// Fills path/mtime/entry_header of `file`; throws DecodeError.
void decode_efs_dir_entry(EfsGroup group, ByteView data, EfsFile& file);

Bytes encode_mobile_property(const MobileProperty& p);
MobileProperty decode_mobile_property(ByteView data);
Bytes encode_feature_mask(ByteView mask);
Bytes decode_feature_mask(ByteView data);
Bytes encode_file_version(const std::array<std::uint16_t, 3>& v);
std::array<std::uint16_t, 3> decode_file_version(ByteView data);

// Fills identity.imeis/esn/mobile_model_id from the NV items and Mobile_Property_Info (used
// by readers of formats that carry no separate identity).
void derive_identity(Calibration& cal);

}  // namespace cr::nv
