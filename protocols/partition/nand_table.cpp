#include "protocols/partition/nand_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "src/util/error.hpp"

namespace cr::partition {
namespace {

constexpr std::size_t kNameSize = 16;
constexpr std::size_t kEntrySize = kNameSize + 4 + 4 + 4;
constexpr std::size_t kTableHeader = 16;

std::uint32_t max_entries(std::uint32_t version) {
    if (version == 3) return 16;
    if (version == 4) return 128;
    throw DecodeError(
        fmt::format("NAND partition table: unknown version {} (3 and 4 exist)", version));
}

}  // namespace

bool is_mibib_header(ByteView page) {
    if (page.size() < 8) return false;
    ByteReader r(page, "MIBIB header");
    return r.u32() == kMibibMagic1 && r.u32() == kMibibMagic2;
}

NandTable parse_nand_table(ByteView page) {
    ByteReader r(page, "NAND partition table");
    std::uint32_t m1 = r.u32();
    std::uint32_t m2 = r.u32();
    if (m1 != kSmemPartMagic1 || m2 != kSmemPartMagic2)
        throw DecodeError(
            fmt::format("NAND partition table: bad magic {:08X} {:08X} (expected "
                        "55EE73AA E35EBDDB)",
                        m1, m2));
    NandTable table;
    table.version = r.u32();
    std::uint32_t count = r.u32();
    if (count > max_entries(table.version))
        throw DecodeError(fmt::format("NAND partition table: {} entries, version {} allows {}",
                                      count, table.version, max_entries(table.version)));
    for (std::uint32_t i = 0; i < count; ++i) {
        NandEntry e;
        ByteView name = r.bytes(kNameSize);
        auto end = std::find(name.begin(), name.end(), 0);
        e.name.assign(name.begin(), end);
        for (char c : e.name)
            if (c < 0x20 || c > 0x7E)
                throw DecodeError(
                    fmt::format("NAND partition table: entry {} has a non-printable "
                                "name",
                                i));
        e.offset_blocks = r.u32();
        e.length_blocks = r.u32();
        ByteView attr = r.bytes(4);
        std::copy(attr.begin(), attr.end(), e.attr.begin());
        table.entries.push_back(std::move(e));
    }
    return table;
}

Bytes write_mibib_header(std::uint32_t page_size) {
    ByteWriter w;
    w.u32(kMibibMagic1).u32(kMibibMagic2).u32(1).u32(1);  // version, age
    Bytes out = w.take();
    out.resize(page_size, 0xFF);
    return out;
}

Bytes write_nand_table(const NandTable& table, std::uint32_t page_size) {
    if (table.entries.size() > max_entries(table.version) ||
        kTableHeader + table.entries.size() * kEntrySize > page_size)
        throw UsageError("NAND partition table: too many entries for the version or page");
    ByteWriter w;
    w.u32(kSmemPartMagic1).u32(kSmemPartMagic2).u32(table.version);
    w.u32(static_cast<std::uint32_t>(table.entries.size()));
    for (const auto& e : table.entries) {
        if (e.name.size() > kNameSize) throw UsageError("NAND partition name longer than 16");
        w.str(e.name).zeros(kNameSize - e.name.size());
        w.u32(e.offset_blocks).u32(e.length_blocks).bytes(e.attr);
    }
    Bytes out = w.take();
    out.resize(page_size, 0xFF);
    return out;
}

PartitionMap to_partition_map(const NandTable& table, std::uint32_t page_size,
                              std::uint32_t pages_per_block, std::uint64_t total_pages) {
    if (pages_per_block == 0) throw UsageError("NAND map: pages per block is 0");
    PartitionMap map;
    map.source = "mibib";
    map.sector_size = page_size;
    for (const auto& e : table.entries) {
        std::uint64_t start = std::uint64_t(e.offset_blocks) * pages_per_block;
        if (start >= total_pages) continue;  // past the chip: not addressable
        std::uint64_t length = e.length_blocks == kNandGrowToEnd
                                   ? total_pages - start
                                   : std::uint64_t(e.length_blocks) * pages_per_block;
        Partition p;
        p.raw_name = e.name;
        p.name = normalize_name(e.name);
        p.start_sector = start;
        p.num_sectors = std::min(length, total_pages - start);
        p.calibration = is_calibration_name(p.name);
        map.partitions.push_back(std::move(p));
    }
    return map;
}

}  // namespace cr::partition
