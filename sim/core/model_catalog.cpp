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

// SDX62-class NAND (RM520N): like every Quectel RM5xx, a 4 KiB-page NAND (p4K_b256K) whose
// partitions come from the MIBIB, with the calibration in efs2 (PROTOCOLS.md §3).
std::vector<PartitionSpec> nand_sdx62_map() {
    return {
        {"sbl", 0, 640},          {"mibib", 640, 640},       {"efs2", 1280, 2816, true},
        {"tz", 4096, 512},        {"aop", 4608, 256},        {"devcfg", 4864, 128},
        {"abl", 4992, 256},       {"boot", 5248, 4096},      {"modem", 9344, 40960},
        {"misc", 50304, 256},     {"recovery", 50560, 4096}, {"sec", 54656, 128},
        {"system", 54784, 76288},
    };
}

// MSM8916-class eMMC: 512-byte sectors, one LUN, GPT. Partitions aligned as the real ptool
// layout is (modem at 64 MiB, the calibration trio at 4 MiB boundaries); the live EFS is in
// modemst1/modemst2, its golden copy in fsg (PROTOCOLS.md §3).
constexpr std::uint64_t kEmmcSectors = 7634944;  // a "4 GB" eMMC
std::vector<PartitionSpec> emmc_8916_map() {
    return {
        {"modem", 131072, 131072},
        {"sbl1", 393216, 1024},
        {"sbl1bak", 394240, 1024},
        {"rpm", 395264, 1024},
        {"rpmbak", 396288, 1024},
        {"tz", 397312, 1024},
        {"tzbak", 398336, 1024},
        {"hyp", 399360, 1024},
        {"hypbak", 400384, 1024},
        {"modemst1", 401408, 3072, true},
        {"modemst2", 409600, 3072, true},
        {"fsg", 417792, 3072, true},
        {"fsc", 425984, 2},
        {"aboot", 428032, 2048},
        {"boot", 432128, 40960},
        {"misc", 475136, 2048},
        {"persist", 483328, 65536},
        {"system", 1048576, 2097152},
        {"userdata", 3145728, kEmmcSectors - 34 - 3145728},
    };
}

// QCS6490-class UFS: 4 KiB sectors, six LUNs, a GPT on each (sectors 0-5 and the last 5).
// LUN 0 user data, LUN 1/2 the A/B boot chain, LUN 3 DDR/CDT data, LUN 4 the modem with its
// calibration, LUN 5 device info.
const std::vector<std::uint64_t> kUfsLuns = {65536, 2048, 2048, 2048, 65536, 2048};
std::vector<PartitionSpec> ufs_6490_map() {
    return {
        {"system", 6, 4096, false, 0},    {"userdata", 4102, kUfsLuns[0] - 5 - 4102, false, 0},
        {"xbl_a", 6, 900, false, 1},      {"xbl_config_a", 906, 32, false, 1},
        {"xbl_b", 6, 900, false, 2},      {"xbl_config_b", 906, 32, false, 2},
        {"cdt", 6, 32, false, 3},         {"ddr", 38, 256, false, 3},
        {"modem_a", 6, 8192, false, 4},   {"modemst1", 8198, 512, true, 4},
        {"modemst2", 8710, 512, true, 4}, {"fsg", 9222, 512, true, 4},
        {"fsc", 9734, 32, false, 4},      {"tz_a", 9766, 1024, false, 4},
        {"abl_a", 10790, 256, false, 4},  {"boot_a", 11046, 24576, false, 4},
        {"devinfo", 6, 1, false, 5},      {"apdp", 7, 64, false, 5},
    };
}

std::vector<ModelSpec> build_catalog() {
    std::vector<ModelSpec> m;
    m.push_back({"rm520n", "Quectel RM520N-GL", Vendor::quectel, 0x2c7c, 0x0801, 0x001990e1,
                 "SDX62", 3, StorageKind::nand, 4096, 131072, 64, 1 << 20, nand_sdx62_map(),
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
    // GPT modules, so the eMMC/UFS paths are exercised with the labels real devices use.
    m.push_back({"msm8916-emmc", "Qualcomm MSM8916 eMMC module", Vendor::quectel, 0x05c6, 0x9091,
                 0x007050e1, "8916", 2, StorageKind::emmc, 512, kEmmcSectors, 0, 1 << 20,
                 emmc_8916_map(), "MSM8916.LA.1.0-00042", "prog_emmc_firehose_8916.mbn"});
    m.push_back({"qcs6490-ufs", "Qualcomm QCS6490 UFS module", Vendor::quectel, 0x05c6, 0x90db,
                 0x001920e1, "QCS6490", 3, StorageKind::ufs, 4096, kUfsLuns[0], 0, 1 << 20,
                 ufs_6490_map(), "QCS6490.LE.1.0-00042", "prog_firehose_ddr.elf", kUfsLuns});
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

std::uint32_t lun_count(const ModelSpec& model) {
    if (model.storage == StorageKind::none) return 0;
    return model.lun_sectors.empty() ? 1 : static_cast<std::uint32_t>(model.lun_sectors.size());
}

std::uint64_t lun_sectors(const ModelSpec& model, std::uint32_t lun) {
    if (lun >= lun_count(model)) return 0;
    return model.lun_sectors.empty() ? model.total_sectors : model.lun_sectors[lun];
}

const PartitionSpec* efs_partition(const ModelSpec& model) {
    return find_partition(model, model.storage == StorageKind::nand ? "efs2" : "modemst1");
}

}  // namespace cr::sim
