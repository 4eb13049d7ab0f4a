// The calibration data model: what a QPST backup (XQCN/QCN) holds, what our backup bundle holds,
// and what a restore writes back. Pure data; the codecs live in xqcn.hpp / qcn.hpp and the
// bundle mapping in calibration_bundle.hpp. PROTOCOLS.md §5-§6.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/util/bytes.hpp"

namespace cr::nv {

// Subscriptions: 0 = first SIM (XQCN NV_ITEM_ARRAY, DIAG context 0, EFS /nvm/num),
// 1 = NV_ITEM_ARRAY_SIM_1 (context 1, /nvm/context1), 2 = NV_ITEM_ARRAY_SIM_2 (context 2).
inline constexpr std::size_t kSubscriptions = 3;
inline constexpr std::size_t kNvDataSize = 128;

// One numbered NV item as QPST stores it (136-byte record: u16 0x0088, u16 tag, u16 id,
// u16 sub_index, data[128]).
struct NvItem {
    std::uint16_t id = 0;
    std::uint16_t sub_index = 0;  // index of an indexed item (also in data[0] on the wire)
    std::uint16_t tag = 1;        // the record's second field; QPST writes 1, kept for round trips
    std::array<std::uint8_t, kNvDataSize> data{};
    bool operator==(const NvItem&) const = default;
};

// The three EFS groups QPST keeps apart (each an EFS_Dir/EFS_Data pair of storages).
enum class EfsGroup { efs_backup, provisioning, nv_items };
inline constexpr std::array<EfsGroup, 3> kEfsGroups = {EfsGroup::efs_backup, EfsGroup::provisioning,
                                                       EfsGroup::nv_items};
// The order QPST writes the groups' storages in (after NV_NUMBERED_ITEMS): Provisioning_Item_Files
// and NV_Items before EFS_Backup (PROTOCOLS.md §6).
inline constexpr std::array<EfsGroup, 3> kQpstGroupOrder = {
    EfsGroup::provisioning, EfsGroup::nv_items, EfsGroup::efs_backup};
const char* storage_name(EfsGroup group);  // "EFS_Backup", "Provisioning_Item_Files", "NV_Items"

struct EfsFile {
    std::string path;  // as stored: EFS_Backup paths may be relative; no trailing NUL
    Bytes data;
    std::uint32_t mtime = 0;  // EFS_Backup only (0 elsewhere)
    // EFS_Backup dir entry's leading 4 bytes (QPST writes 01 00 01 01); kept for round trips.
    std::array<std::uint8_t, 4> entry_header{1, 0, 1, 1};
    bool operator==(const EfsFile&) const = default;
};

// Mobile_Property_Info: u32 ESN, u16 mobile_model, u8 nv_major, u8 nv_minor,
// u16 len + SW version, u16 len + tool name.
struct MobileProperty {
    std::uint32_t esn = 0;
    std::uint16_t mobile_model = 0;
    std::uint8_t nv_major = 0;
    std::uint8_t nv_minor = 0;
    std::string sw_version;
    std::string tool_name;
    bool operator==(const MobileProperty&) const = default;
};

// Who the backup came from. IMEIs are decoded from NV 550 per subscription ("" = none).
// Fields a source cannot know stay empty/0 (an XQCN carries no chip serial).
struct DeviceIdentity {
    std::vector<std::string> imeis;  // index = subscription
    std::uint32_t esn = 0;
    std::uint32_t chip_serial = 0;  // Sahara serial / sim serial, 0 = unknown
    std::uint32_t msm_hw_version = 0;
    std::uint32_t mobile_model_id = 0;
    std::string model;         // catalogue id ("rm520n") when known
    std::string firmware;      // EXT_BUILD_ID build id
    std::string model_string;  // EXT_BUILD_ID model string
    bool operator==(const DeviceIdentity&) const = default;
};

// A full calibration backup. `nv[s]` lists subscription s's items in file order.
struct Calibration {
    DeviceIdentity identity;
    std::uint32_t mobile_model_id = 0;  // XQCN storage name (8 decimal digits)
    std::string source_name;            // XQCN root storage name (a Windows path)
    std::array<std::vector<NvItem>, kSubscriptions> nv;
    std::array<std::vector<EfsFile>, 3> efs;  // indexed by EfsGroup
    MobileProperty property;
    Bytes feature_mask;  // Feature_Mask's mask bytes (without u16 len)
    std::array<std::uint16_t, 3> file_version{2, 0, 0};
    // The order of the group storages in the file this came from (XQCN keeps it; OLE2 orders
    // by name, so a QCN reads as QPST's order), so converting a file keeps its layout.
    std::array<EfsGroup, 3> group_order = kQpstGroupOrder;

    std::vector<EfsFile>& files(EfsGroup g) { return efs[static_cast<std::size_t>(g)]; }
    const std::vector<EfsFile>& files(EfsGroup g) const { return efs[static_cast<std::size_t>(g)]; }
    bool operator==(const Calibration&) const = default;
};

// Lookups (nullptr when absent).
const NvItem* find_item(const Calibration& cal, std::size_t subscription, std::uint16_t id,
                        std::uint16_t sub_index = 0);
NvItem* find_item(Calibration& cal, std::size_t subscription, std::uint16_t id,
                  std::uint16_t sub_index = 0);

// IMEIs found in NV 550 of each subscription (trailing empty subscriptions dropped).
// Undecodable 550 data gives "" for that subscription (never throws).
std::vector<std::string> imeis_of(const Calibration& cal);

std::size_t nv_item_count(const Calibration& cal);
std::size_t efs_file_count(const Calibration& cal);
std::uint64_t efs_byte_count(const Calibration& cal);

// Human-readable differences between two backups ("NV 550 sub 0 differs", "EFS
// /nv/item_files/rfnv/00020000 missing in B"), empty when NV items and EFS files are equal
// byte for byte. Identity and property fields are not compared.
std::vector<std::string> diff_calibration(const Calibration& a, const Calibration& b);

}  // namespace cr::nv
