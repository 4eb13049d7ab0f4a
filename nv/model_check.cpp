#include "nv/model_check.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <utility>

namespace cr::nv {
namespace {

// Quectel product prefixes of the firmware revision and the variant they are sold as.
constexpr std::array<std::pair<std::string_view, std::string_view>, 15> kVariants{{
    {"RM520NGLAA", "RM520N-GLAA"},
    {"RM520NGLAP", "RM520N-GLAP"},
    {"RM500QGLAA", "RM500Q-GL"},
    {"RM500QGLAB", "RM500Q-GL"},
    {"RM500QAEAA", "RM500Q-AE"},
    {"EC25EFA", "EC25-E"},
    {"EC25EUGA", "EC25-EU"},
    {"EC25EUXGA", "EC25-EUX"},
    {"EC25AFFA", "EC25-AF"},
    {"EC25AFA", "EC25-A"},
    {"EC25AUFA", "EC25-AU"},
    {"EC25AUGA", "EC25-AU"},
    {"EC25AUXGA", "EC25-AUX"},
    {"EC25JFA", "EC25-J"},
    {"EC25ECGA", "EC25-EC"},
}};

// The product prefix of a revision "<prefix>R<nn>A<nn>...": "RM520NGLAAR01A07M4G" ->
// "RM520NGLAA". Empty when the text is not shaped like one.
std::string revision_prefix(std::string_view fw) {
    for (std::size_t i = 1; i + 6 <= fw.size(); ++i) {
        auto digit = [&](std::size_t k) { return std::isdigit(static_cast<unsigned char>(fw[k])); };
        if (fw[i] == 'R' && digit(i + 1) && digit(i + 2) && fw[i + 3] == 'A' && digit(i + 4) &&
            digit(i + 5))
            return std::string(fw.substr(0, i));
    }
    return {};
}

std::string describe(const ModelFacts& m) {
    std::string variant = "variant unknown";
    if (auto v = product_variant(m.firmware)) variant = v->name;
    return fmt::format("model id {}, {}, firmware {}",
                       m.model_id ? std::to_string(m.model_id) : "?", variant,
                       m.firmware.empty() ? "?" : m.firmware);
}

}  // namespace

std::optional<ProductVariant> product_variant(std::string_view firmware) {
    std::string prefix = revision_prefix(firmware);
    for (const auto& [code, name] : kVariants)
        if (prefix == code) return ProductVariant{std::string(code), std::string(name)};
    return std::nullopt;
}

ModelFacts backup_model(const Calibration& cal) {
    ModelFacts m;
    m.model_id = cal.mobile_model_id != 0 ? cal.mobile_model_id : cal.property.mobile_model;
    m.firmware = !cal.property.sw_version.empty() ? cal.property.sw_version : cal.identity.firmware;
    return m;
}

ModelComparison compare_models(const ModelFacts& backup, const ModelFacts& target) {
    ModelComparison c;
    c.notes.push_back("backup: " + describe(backup));
    c.notes.push_back("target: " + describe(target));
    if (backup.model_id == 0 || target.model_id == 0) {
        c.notes.push_back("model id not compared (unknown on one side)");
    } else if (backup.model_id % 100000000u != target.model_id % 100000000u &&
               backup.model_id != (target.model_id & 0xFFFF)) {
        c.differences.push_back(fmt::format("model id {} in the backup, {} on the target",
                                            backup.model_id, target.model_id));
    }
    auto bv = product_variant(backup.firmware);
    auto tv = product_variant(target.firmware);
    if (bv && tv && bv->name != tv->name)
        c.differences.push_back(
            fmt::format("the backup is from an {}, the target is an {}", bv->name, tv->name));
    else if (bv && tv && backup.firmware != target.firmware)
        c.notes.push_back(fmt::format("same variant ({}), other firmware revision", bv->name));
    else if (!bv || !tv)
        c.notes.push_back("product variant not compared (not known for one side's firmware)");
    return c;
}

}  // namespace cr::nv
