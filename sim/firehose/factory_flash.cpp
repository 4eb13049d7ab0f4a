#include "sim/firehose/factory_flash.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "protocols/partition/gpt.hpp"
#include "protocols/partition/nand_table.hpp"
#include "sim/firehose/target_storage.hpp"
#include "src/util/digest.hpp"

namespace cr::sim {
namespace {

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// "xbl_a" -> "xbl": A/B slots carry the same kind of image.
std::string slotless(const std::string& n) {
    if (n.size() > 2 && (n.ends_with("_a") || n.ends_with("_b"))) return n.substr(0, n.size() - 2);
    return n;
}
bool is_boot_image(const std::string& n) {
    return slotless(n) == "boot" || n == "recovery";
}
bool is_loader(const std::string& name) {
    std::string n = slotless(name);
    for (const char* l :
         {"sbl", "sbl1", "xbl", "xbl_config", "tz", "rpm", "aboot", "abl", "aop", "devcfg", "hyp"})
        if (n == l) return true;
    return false;
}

// One plausible first 4 KiB per partition (one NAND/UFS sector, eight eMMC sectors, less when
// the partition is smaller): the magic its real image starts with, then a line naming the
// module, partition and firmware (kept to a header so the sparse image stays small).
Bytes header_sector(const ModelSpec& model, const PartitionSpec& p, const std::string& firmware) {
    constexpr std::uint64_t kHeader = 4096;
    Bytes s(std::max<std::uint64_t>(kHeader, model.sector_size),
            model.storage == StorageKind::nand ? 0xFF : 0x00);
    auto put = [&](std::size_t at, std::string_view text) {
        std::memcpy(s.data() + at, text.data(), text.size());
    };
    if (is_loader(p.name)) {
        put(0,
            "\x7f"
            "ELF");
        s[4] = model.storage == StorageKind::ufs ? 2 : 1;  // ARMv7 modems, MSM8916 SBL: ELF32
        s[5] = 1;                                          // little-endian
        s[6] = 1;
    } else if (is_boot_image(p.name)) {
        put(0, "ANDROID!");
    } else if (model.storage == StorageKind::nand) {
        put(0, "UBI#");  // modem, system, recoveryfs...: UBI volumes
        s[4] = 1;
    } else if (slotless(p.name) == "modem") {
        put(3, "MSDOS5.0");  // NON-HLOS.bin is a FAT image
        s[510] = 0x55;
        s[511] = 0xAA;
    } else if (p.name == "system" || p.name == "userdata" || p.name == "persist") {
        s[1024 + 56] = 0x53;  // ext4 superblock magic 0xEF53
        s[1024 + 57] = 0xEF;
    }
    put(2048, fmt::format("cellrescue virtual {} partition {} firmware {}", model.product, p.name,
                          firmware));
    s.resize(std::min<std::uint64_t>(s.size(), p.num_sectors * model.sector_size));
    return s;
}

partition::Guid guid_of(std::string_view seed) {
    Bytes h = [&] {
        Digest d(Digest::Algorithm::sha256);
        d.update(as_bytes(seed));
        return d.finish();
    }();
    partition::Guid g;
    std::copy_n(h.begin(), 16, g.begin());
    g[7] = static_cast<std::uint8_t>((g[7] & 0x0F) | 0x40);  // version 4 layout
    g[8] = static_cast<std::uint8_t>((g[8] & 0x3F) | 0x80);
    return g;
}

// One GPT per LUN, naming the partitions that live on it (UFS: every LUN has its own).
void write_gpt(VirtualModule& module, std::uint32_t lun) {
    const ModelSpec& m = module.model();
    // Microsoft basic data: what Qualcomm's ptool gives partitions without a special type.
    const partition::Guid basic{0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44,
                                0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7};
    std::vector<partition::GptEntry> entries;
    for (const auto& p : m.partitions) {
        if (p.lun != lun) continue;
        partition::GptEntry e;
        e.type = basic;
        e.unique = guid_of(module.id() + "/" + p.name);
        e.first_lba = p.start_sector;
        e.last_lba = p.start_sector + p.num_sectors - 1;
        e.name = p.name;
        entries.push_back(e);
    }
    std::string disk =
        lun == 0 ? module.id() + "/disk" : fmt::format("{}/disk{}", module.id(), lun);
    auto image = partition::write_gpt(entries, m.sector_size, lun_sectors(m, lun), guid_of(disk));
    module.storage(lun).write(0, image.primary);
    module.storage(lun).write(image.backup_start_lba, image.backup);
}

void write_mibib(VirtualModule& module) {
    const ModelSpec& m = module.model();
    partition::NandTable table;
    table.version = 4;
    for (const auto& p : m.partitions) {
        partition::NandEntry e;
        e.name = "0:" + upper(p.name);
        e.offset_blocks = static_cast<std::uint32_t>(p.start_sector / m.pages_per_block);
        e.length_blocks = static_cast<std::uint32_t>(p.num_sectors / m.pages_per_block);
        e.attr = {0xFF, 0x01, 0x00, 0xFF};
        table.entries.push_back(e);
    }
    const PartitionSpec* mibib = find_partition(m, "mibib");
    std::uint64_t at = mibib ? mibib->start_sector : partition::kMibibCandidateSectors[0];
    module.storage().write(at, partition::write_mibib_header(m.sector_size));
    module.storage().write(at + 1, partition::write_nand_table(table, m.sector_size));
}

}  // namespace

void write_factory_flash(VirtualModule& module) {
    const ModelSpec& m = module.model();
    if (m.storage == StorageKind::none) return;
    for (std::uint32_t lun = 0; lun < lun_count(m); ++lun)  // a factory-fresh, sparse chip
        module.storage(lun).erase(0, module.storage(lun).total_sectors(), 0x00);
    StorageImage& image = module.storage();
    if (m.storage == StorageKind::nand) {
        set_bad_blocks(module, factory_bad_blocks(m));
        write_mibib(module);
        // efs2's pages the EFS does not use are erased (0xFF), as on a real chip: raw dumps
        // carry them, and restoring them the wrong way is what breaks EFS2 (PROTOCOLS.md §3).
        for (const auto& p : m.partitions)
            if (p.calibration) image.erase(p.start_sector, p.num_sectors, 0xFF);
    } else {
        for (std::uint32_t lun = 0; lun < lun_count(m); ++lun) write_gpt(module, lun);
    }
    std::string firmware = module.state().firmware.empty() ? m.firmware : module.state().firmware;
    for (std::uint32_t lun = 0; lun < lun_count(m); ++lun) {
        TargetStorage storage(module, lun);  // NAND: skips the bad blocks as the programmer does
        for (const auto& p : m.partitions) {
            if (p.lun != lun || p.calibration || p.name == "mibib") continue;  // efs: factory EFS
            storage.write(p.start_sector, header_sector(m, p, firmware));
        }
        storage.sync();
    }
}

}  // namespace cr::sim
