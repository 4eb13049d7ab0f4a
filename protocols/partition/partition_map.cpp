#include "protocols/partition/partition_map.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace cr::partition {

std::string normalize_name(std::string_view raw) {
    if (raw.size() > 2 && raw[1] == ':' && std::isdigit(static_cast<unsigned char>(raw[0])))
        raw.remove_prefix(2);
    std::string out(raw);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_calibration_name(std::string_view name) {
    // NAND MIBIB: efs2 (+ efs2apps); GPT (eMMC/UFS): modemst1/2, fsg, fsc. The modem_st*
    // spelling is kept because older tables and this project's own bundles use it.
    static constexpr std::array<std::string_view, 8> kCalibration{
        "efs2", "efs2apps", "modemst1", "modemst2", "fsg", "fsc", "modem_st1", "modem_st2"};
    std::string n = normalize_name(name);
    return std::find(kCalibration.begin(), kCalibration.end(), n) != kCalibration.end();
}

const Partition* PartitionMap::find(std::string_view name) const {
    std::string wanted = normalize_name(name);
    for (const auto& p : partitions)
        if (p.name == wanted) return &p;
    return nullptr;
}

}  // namespace cr::partition
