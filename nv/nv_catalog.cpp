#include "nv/nv_catalog.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace cr::nv {

namespace {
constexpr std::array<NvInfo, 17> kCatalog{{
    {item::esn, "NV_ESN_I", "electronic serial number", true, true},
    {item::sec_code, "NV_SEC_CODE_I", "service programming code (SPC)", false, false, true},
    {item::meid, "NV_MEID_I", "mobile equipment identifier", true, true},
    {item::band_pref, "NV_BAND_PREF_I", "band preference (bits 0-15)", false, false},
    {item::ftm_mode, "NV_FTM_MODE_I", "factory test mode flag (0 in good units)", false, false},
    {item::ue_imei, "NV_UE_IMEI_I", "IMEI (BCD, 9 bytes)", true, true},
    {item::rf_cal_version, "NV_RF_CAL_VER_I", "RF calibration version", true, false},
    {item::rf_cal_date, "NV_RF_CAL_DATE_I", "RF calibration date", true, false},
    {item::band_pref_16_31, "NV_BAND_PREF_16_31_I", "band preference (bits 16-31)", false, false},
    {item::factory_data_1, "NV_FACTORY_DATA_1_I", "factory data 1", true, false},
    {item::factory_data_2, "NV_FACTORY_DATA_2_I", "factory data 2", true, false},
    {item::factory_data_3, "NV_FACTORY_DATA_3_I", "factory data 3", true, false},
    {item::factory_data_4, "NV_FACTORY_DATA_4_I", "factory data 4", true, false},
    {item::lte_band_pref, "NV_LTE_BC_CONFIG_PREF_I", "LTE band preference", false, false},
    {item::imeisv_svn, "NV_UE_IMEISV_SVN_I", "IMEISV software version number", false, false},
    {item::lte_bc_config, "NV_LTE_BC_CONFIG_I", "LTE band capability", false, false},
    {6829, "NV_LTE_BC_CONFIG_DISABLE_I", "LTE bands disabled", false, false},
}};

std::optional<unsigned> parse_uint(std::string_view text) {
    unsigned v = 0;
    if (text.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return v;
}
}  // namespace

std::span<const NvInfo> nv_catalog() {
    return kCatalog;
}

std::optional<NvInfo> find_nv_info(std::uint16_t id) {
    for (const auto& info : kCatalog)
        if (info.id == id) return info;
    return std::nullopt;
}

bool is_spc_protected(std::uint16_t id) {
    auto info = find_nv_info(id);
    return info && info->spc_protected;
}

std::string nv_display_name(std::uint16_t id) {
    if (auto info = find_nv_info(id)) return fmt::format("{} ({})", id, info->name);
    return std::to_string(id);
}

std::optional<NvFileRef> parse_nv_file_path(std::string_view path) {
    NvFileRef ref;
    std::string_view rest;
    if (path.starts_with("/nvm/num/")) {
        rest = path.substr(9);
    } else if (path.starts_with("/nvm/context")) {
        auto tail = path.substr(12);
        auto slash = tail.find('/');
        if (slash == std::string_view::npos) return std::nullopt;
        auto sub = parse_uint(tail.substr(0, slash));
        if (!sub || *sub == 0 || *sub >= 3) return std::nullopt;
        ref.subscription = *sub;
        rest = tail.substr(slash + 1);
    } else {
        return std::nullopt;
    }
    auto us = rest.find('_');
    auto id = parse_uint(rest.substr(0, us));
    if (!id || *id > 0xFFFF) return std::nullopt;
    ref.id = static_cast<std::uint16_t>(*id);
    if (us != std::string_view::npos) {
        auto index = parse_uint(rest.substr(us + 1));
        if (!index || *index > 0xFFFF) return std::nullopt;
        ref.index = static_cast<std::uint16_t>(*index);
        ref.indexed = true;
    }
    return ref;
}

std::string nv_file_path(const NvFileRef& ref) {
    std::string dir = ref.subscription == 0 ? std::string("/nvm/num/")
                                            : fmt::format("/nvm/context{}/", ref.subscription);
    if (ref.indexed) return fmt::format("{}{}_{}", dir, ref.id, ref.index);
    return fmt::format("{}{}", dir, ref.id);
}

}  // namespace cr::nv
