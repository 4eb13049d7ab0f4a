// Shared builders for the nv unit tests.
#pragma once
#include <string>

#include "nv/calibration.hpp"
#include "nv/imei.hpp"

namespace cr::nv::test {

inline NvItem make_item(std::uint16_t id, std::uint8_t fill, std::uint16_t index = 0) {
    NvItem item;
    item.id = id;
    item.sub_index = index;
    item.data.fill(fill);
    return item;
}

inline NvItem imei_item(const std::string& imei) {
    NvItem item;
    item.id = 550;
    Bytes enc = encode_imei_nv(imei);
    std::copy(enc.begin(), enc.end(), item.data.begin());
    return item;
}

// A small but complete calibration: two subscriptions, files in all three groups.
inline Calibration sample_calibration(const std::string& imei = "490154203237518",
                                      const std::string& imei2 = "351000000000005") {
    Calibration cal;
    cal.mobile_model_id = 24655;
    cal.nv[0] = {imei_item(imei), make_item(453, 0), make_item(6828, 0x5A),
                 make_item(1234, 0x11, 2)};
    if (!imei2.empty()) cal.nv[1] = {imei_item(imei2)};
    EfsFile backup{"/nv/item_files/rfnv/00020000", Bytes{1, 2, 3, 4}, 0x12D53D80, {1, 0, 1, 1}};
    EfsFile relative{"nvm/num/550", Bytes(encode_imei_nv(imei)), 7, {1, 0, 1, 1}};
    cal.files(EfsGroup::efs_backup) = {backup, relative};
    cal.files(EfsGroup::provisioning) = {
        EfsFile{"/nv/item_files/ims/qp_ims_sms_config", Bytes{9, 8, 7}, 0, {1, 0, 1, 1}}};
    cal.files(EfsGroup::nv_items) = {
        EfsFile{"/nv/item_files/modem/mmode/lte_bandpref", Bytes(8, 0xFF), 0, {1, 0, 1, 1}}};
    cal.property = {0x12345678, 0x604F, 1, 2, "RM520NGLAAR01A07M4G", "cellrescue"};
    cal.feature_mask = {0xFF, 0x0F, 0x00, 0x01};
    return cal;
}

}  // namespace cr::nv::test
