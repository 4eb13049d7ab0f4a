#include "sim/firehose/factory_flash.hpp"

#include <fmt/format.h>

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

bool is_boot_image(const std::string& n) {
    return n == "boot" || n == "recovery";
}
bool is_loader(const std::string& n) {
    for (const char* l : {"sbl", "xbl", "xbl_config", "tz", "rpm", "aboot", "abl", "aop", "devcfg"})
        if (n == l) return true;
    return false;
}

// One plausible first sector per partition: the magic its real image starts with, then a line
// naming the module, partition and firmware (kept to a header so the sparse image stays small).
Bytes header_sector(const ModelSpec& model, const PartitionSpec& p, const std::string& firmware) {
    Bytes s(model.sector_size, model.storage == StorageKind::nand ? 0xFF : 0x00);
    auto put = [&](std::size_t at, std::string_view text) {
        std::memcpy(s.data() + at, text.data(), text.size());
    };
    if (is_loader(p.name)) {
        put(0,
            "\x7f"
            "ELF");
        s[4] = model.storage == StorageKind::nand ? 1 : 2;  // MDM9x07: ELF32; SDX: ELF64
        s[5] = 1;                                           // little-endian
        s[6] = 1;
    } else if (is_boot_image(p.name)) {
        put(0, "ANDROID!");
    } else if (model.storage == StorageKind::nand) {
        put(0, "UBI#");  // modem, system, recoveryfs...: UBI volumes
        s[4] = 1;
    } else if (p.name == "modem") {
        put(3, "MSDOS5.0");  // NON-HLOS.bin is a FAT image
        s[510] = 0x55;
        s[511] = 0xAA;
    } else if (p.name == "system" || p.name == "userdata") {
        s[1024 + 56] = 0x53;  // ext4 superblock magic 0xEF53
        s[1024 + 57] = 0xEF;
    }
    put(2048, fmt::format("cellrescue virtual {} partition {} firmware {}", model.product, p.name,
                          firmware));
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

void write_gpt(VirtualModule& module) {
    const ModelSpec& m = module.model();
    // Microsoft basic data: what Qualcomm's ptool gives partitions without a special type.
    const partition::Guid basic{0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44,
                                0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7};
    std::vector<partition::GptEntry> entries;
    for (const auto& p : m.partitions) {
        partition::GptEntry e;
        e.type = basic;
        e.unique = guid_of(module.id() + "/" + p.name);
        e.first_lba = p.start_sector;
        e.last_lba = p.start_sector + p.num_sectors - 1;
        e.name = p.name;
        entries.push_back(e);
    }
    auto image = partition::write_gpt(entries, m.sector_size, m.total_sectors,
                                      guid_of(module.id() + "/disk"));
    module.storage().write(0, image.primary);
    module.storage().write(image.backup_start_lba, image.backup);
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
    StorageImage& image = module.storage();
    image.erase(0, image.total_sectors(), 0x00);  // a factory-fresh, sparse chip
    if (m.storage == StorageKind::nand) {
        set_bad_blocks(module, factory_bad_blocks(m));
        write_mibib(module);
        // efs2's pages the EFS does not use are erased (0xFF), as on a real chip: raw dumps
        // carry them, and restoring them the wrong way is what breaks EFS2 (PROTOCOLS.md §3).
        for (const auto& p : m.partitions)
            if (p.calibration) image.erase(p.start_sector, p.num_sectors, 0xFF);
    } else {
        write_gpt(module);
    }
    std::string firmware = module.state().firmware.empty() ? m.firmware : module.state().firmware;
    TargetStorage storage(module);  // NAND: skips the bad blocks as the programmer does
    for (const auto& p : m.partitions) {
        if (p.calibration || p.name == "mibib") continue;  // efs2 & co: write_factory_efs
        storage.write(p.start_sector, header_sector(m, p, firmware));
    }
    storage.sync();
}

}  // namespace cr::sim
