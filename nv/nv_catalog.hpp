// Names and roles of the NV items that matter for calibration and repair (PROTOCOLS.md §5, §7).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cr::nv {

namespace item {
inline constexpr std::uint16_t esn = 0;
inline constexpr std::uint16_t sec_code = 85;  // the SPC itself
inline constexpr std::uint16_t band_pref = 441;
inline constexpr std::uint16_t ftm_mode = 453;
inline constexpr std::uint16_t ue_imei = 550;
inline constexpr std::uint16_t rf_cal_version = 569;
inline constexpr std::uint16_t rf_cal_date = 571;
inline constexpr std::uint16_t band_pref_16_31 = 946;
inline constexpr std::uint16_t factory_data_1 = 2497;
inline constexpr std::uint16_t factory_data_2 = 2498;
inline constexpr std::uint16_t factory_data_3 = 2499;
inline constexpr std::uint16_t factory_data_4 = 2500;
inline constexpr std::uint16_t meid = 1943;
inline constexpr std::uint16_t lte_band_pref = 2954;
inline constexpr std::uint16_t imeisv_svn = 5153;
inline constexpr std::uint16_t lte_bc_config = 6828;
}  // namespace item

struct NvInfo {
    std::uint16_t id;
    std::string_view name;         // "NV_UE_IMEI_I"
    std::string_view description;  // "IMEI (BCD, 9 bytes)"
    bool unit_specific;            // unique per unit: never copy from a donor blindly
    bool identity;                 // carries the device's identity (IMEI, ESN, MEID)
    bool spc_protected = false;    // reads/writes need the SPC (41) first: BAD_SPC_MODE else
};

std::span<const NvInfo> nv_catalog();
std::optional<NvInfo> find_nv_info(std::uint16_t id);
// True for the items a module refuses (BAD_SPC_MODE) until the SPC was accepted.
bool is_spc_protected(std::uint16_t id);
// "550 (NV_UE_IMEI_I)" or "1234" for uncatalogued ids.
std::string nv_display_name(std::uint16_t id);

// EFS file name <-> numbered item: "/nvm/num/550" (sub 0), "/nvm/context1/550" (sub 1),
// "/nvm/num/1234_2" (index 2). parse returns nullopt for other paths.
struct NvFileRef {
    std::uint16_t id = 0;
    std::size_t subscription = 0;
    std::uint16_t index = 0;
    bool indexed = false;
};
std::optional<NvFileRef> parse_nv_file_path(std::string_view path);
std::string nv_file_path(const NvFileRef& ref);

}  // namespace cr::nv
