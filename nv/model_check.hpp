// Is a backup meant for this module? Its model id (the XQCN/QCN model storage, or
// Mobile_Property_Info's mobile_model) and, where known, its product variant (from the firmware
// revision: RM520NGLAAR01A07M4G is an RM520N-GLAA, EC25EFAR06A06M4G an EC25-E) against the
// target's (EXT_BUILD_ID). Users ask exactly this ("the CFUN5 module is a GLAP, would a GLAA
// backup work?"): RF calibration is tuned to a variant's bands and front end.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nv/calibration.hpp"

namespace cr::nv {

struct ProductVariant {
    std::string code;  // the firmware's product prefix: "RM520NGLAA", "EC25EFA"
    std::string name;  // as Quectel sells it: "RM520N-GLAA", "EC25-E"
};
// The variant a Quectel firmware revision names, for the variants this tool knows; nullopt for
// other firmwares (u-blox, MPSS build strings) and unknown variants.
std::optional<ProductVariant> product_variant(std::string_view firmware);

struct ModelFacts {
    std::uint32_t model_id = 0;  // 0 = unknown
    std::string firmware;        // revision ("" = unknown)
};
// What a backup says about the module it came from.
ModelFacts backup_model(const Calibration& cal);

struct ModelComparison {
    std::vector<std::string> differences;  // each says what differs, backup first
    std::vector<std::string> notes;        // what matched, or could not be compared
    bool same() const { return differences.empty(); }
};
ModelComparison compare_models(const ModelFacts& backup, const ModelFacts& target);

}  // namespace cr::nv
