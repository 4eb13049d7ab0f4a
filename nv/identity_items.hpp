// The items that say which unit a module is (PROTOCOLS.md §5-§6): the IMEIs (NV 550 per
// subscription, EFS /nvm/num/550 and /nvm/context1/550), the ESN (NV 0) and the MEID (NV 1943).
// They belong to the unit: a restore keeps the target's own and never writes a donor's.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "nv/calibration.hpp"

namespace cr::nv {

enum class IdentityKind { imei, esn, meid };

struct IdentityItem {
    IdentityKind kind;
    std::uint16_t nv_id;
    std::size_t subscription;
    std::string_view label;  // "IMEI (SIM 1)"
};

// IMEI (SIM 1), IMEI (SIM 2), ESN, MEID.
std::span<const IdentityItem> identity_items();

// The value an item's NV data holds, as users read it: "490154203237518", "0x12345678",
// "A1000012345678"; "" when blank (erased, zero, FF..) and "(malformed)" when the IMEI bytes
// are not an IMEI encoding.
std::string identity_value(const IdentityItem& item, ByteView data);

// The backup's value of `item` from its NV record ("" none); for the ESN without NV 0 the
// ESN Mobile_Property_Info names.
std::string backup_identity_value(const Calibration& cal, const IdentityItem& item);

// True when `path` (absolute or as stored) is an EFS copy of `item` (/nvm/num/550,
// /nvm/context1/550, /nvm/num/0, /nvm/num/1943).
bool is_identity_copy(std::string_view path, const IdentityItem& item);

// Removes the item's NV record and its EFS copies from `cal`; returns how many were removed.
std::size_t drop_identity_item(Calibration& cal, const IdentityItem& item);

}  // namespace cr::nv
