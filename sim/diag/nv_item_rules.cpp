#include "sim/diag/nv_item_rules.hpp"

namespace cr::sim {

std::size_t nv_item_size(std::uint16_t item) {
    switch (item) {
        case 0:  // NV_ESN_I
        case 569:
        case 571:
            return 4;
        case 10:  // NV_PREF_MODE_I: two bytes on these firmwares (e.g. 00 3A)
            return 2;
        case 85:  // NV_SEC_CODE_I: six ASCII digits
            return 6;
        case 441:
        case 946:
        case 2954:
        case 6828:
        case 1943:  // NV_MEID_I: 56 bits in a qword
            return 8;
        case 453:
        case 5153:
            return 1;
        case 550:
            return 9;
        default:
            return item >= 2497 && item <= 2500 ? 128 : 0;
    }
}

bool nv_spc_protected(std::uint16_t item) {
    return item == 85;
}

bool nv_write_only(std::uint16_t item) {
    return item == 74;
}

}  // namespace cr::sim
