#include "sim/core/model_catalog.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr::sim {
namespace {

// EC25 (MDM9207): 512 MiB NAND, 4 KiB pages, 64 pages (256 KiB) per block, sizes in sectors.
std::vector<PartitionSpec> nand_9x07_map() {
    return {
        {"sbl", 0, 640},
        {"mibib", 640, 640},
        {"efs2", 1280, 2816, true},
        {"tz", 4096, 512},
        {"rpm", 4608, 256},
        {"aboot", 4864, 256},
        {"boot", 5120, 2560},
        {"scrub", 7680, 1280},
        {"modem", 8960, 16384},
        {"misc", 25344, 256},
        {"recovery", 25600, 2560},
        {"fota", 28160, 2048},
        {"recoveryfs", 30208, 5120},
        {"sec", 35328, 128},
        {"system", 35456, 95616},
    };
}

// SDX55-class NAND (RM500Q): same geometry, larger modem image.
std::vector<PartitionSpec> nand_sdx55_map() {
    return {
        {"sbl", 0, 640},           {"mibib", 640, 640},    {"efs2", 1280, 2816, true},
        {"tz", 4096, 512},         {"aop", 4608, 256},     {"abl", 4864, 256},
        {"boot", 5120, 4096},      {"modem", 9216, 32768}, {"misc", 41984, 256},
        {"recovery", 42240, 4096}, {"sec", 46336, 128},    {"system", 46464, 84608},
    };
}

// SDX62 (RM520N) on UFS, 4 KiB sectors, one LUN of 2 GiB; GPT uses sectors 0-5 and the last 5.
std::vector<PartitionSpec> ufs_sdx62_map() {
    return {
        {"xbl", 6, 1024},
        {"xbl_config", 1030, 256},
        {"aop", 1286, 256},
        {"tz", 1542, 1024},
        {"devcfg", 2566, 64},
        {"abl", 2630, 256},
        {"boot", 2886, 16384},
        {"modem", 19270, 65536},
        {"efs2", 84806, 2560, true},
        {"fsg", 87366, 2560, true},
        {"modem_st1", 89926, 768, true},
        {"modem_st2", 90694, 768, true},
        {"fsc", 91462, 32},
        {"misc", 91494, 256},
        {"system", 91750, 262144},
        {"userdata", 353894, 170389},
    };
}

std::vector<ModelSpec> build_catalog() {
    std::vector<ModelSpec> m;
    m.push_back({"rm520n", "Quectel RM520N-GL", Vendor::quectel, 0x2c7c, 0x0801, 0x001990e1,
                 "SDX62", 3, StorageKind::ufs, 4096, 524288, 0, 1 << 20, ufs_sdx62_map(),
                 "RM520NGLAAR01A07M4G", "prog_firehose_lite.elf"});
    m.push_back({"ec25", "Quectel EC25-E", Vendor::quectel, 0x2c7c, 0x0125, 0x000480e1, "9x07", 2,
                 StorageKind::nand, 4096, 131072, 64, 16384, nand_9x07_map(), "EC25EFAR06A06M4G",
                 "prog_nand_firehose_9x07.mbn"});
    m.push_back({"rm500q", "Quectel RM500Q-GL", Vendor::quectel, 0x2c7c, 0x0800, 0x000c30e1,
                 "SDX55", 2, StorageKind::nand, 4096, 131072, 64, 16384, nand_sdx55_map(),
                 "RM500QGLABR11A06M4G", "prog_firehose_sdx55.mbn"});
    m.push_back({"sara-r412m",
                 "u-blox SARA-R412M",
                 Vendor::ublox,
                 0x05c6,
                 0x90b2,
                 0x000950e1,
                 "9x06",
                 2,
                 StorageKind::none,
                 4096,
                 0,
                 0,
                 8192,
                 {},
                 "M0.00.00 [Oct 08 2020 15:00:01]",
                 ""});
    m.push_back({"sara-r5",
                 "u-blox SARA-R510S",
                 Vendor::ublox,
                 0x1546,
                 0x01a9,
                 0,
                 "",
                 0,
                 StorageKind::none,
                 4096,
                 0,
                 0,
                 0,
                 {},
                 "02.06,A00.01",
                 ""});
    m.push_back({"lena-r8",
                 "u-blox LENA-R8001",
                 Vendor::ublox,
                 0x1546,
                 0x1141,
                 0,
                 "",
                 0,
                 StorageKind::none,
                 4096,
                 0,
                 0,
                 0,
                 {},
                 "02.02,A00.01",
                 ""});
    // The M.2 PCIe variant: the same chip and flash, reached over MHI instead of USB.
    ModelSpec pcie = m.front();
    pcie.id = "rm520n-pcie";
    pcie.product = "Quectel RM520N-GLAP (PCIe)";
    m.push_back(std::move(pcie));
    return m;
}

}  // namespace

std::span<const ModelSpec> all_models() {
    static const std::vector<ModelSpec> catalog = build_catalog();  // immutable table
    return catalog;
}

const ModelSpec* find_model(std::string_view id) {
    for (const auto& m : all_models())
        if (m.id == id) return &m;
    return nullptr;
}

const ModelSpec& require_model(std::string_view id) {
    if (const ModelSpec* m = find_model(id)) return *m;
    std::string known;
    for (const auto& m : all_models()) known += (known.empty() ? "" : ", ") + m.id;
    throw UsageError(fmt::format("unknown virtual module model '{}'", id), {},
                     fmt::format("use one of: {}", known));
}

bool is_pcie(const ModelSpec& model) {
    return model.id.ends_with("-pcie");
}

const PartitionSpec* find_partition(const ModelSpec& model, std::string_view name) {
    for (const auto& p : model.partitions)
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace cr::sim
