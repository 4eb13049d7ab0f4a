#include "protocols/partition/gpt.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "src/util/error.hpp"

namespace cr::partition {
namespace {

constexpr std::string_view kSignature = "EFI PART";
constexpr std::uint32_t kHeaderSize = 92;
constexpr std::uint32_t kRevision = 0x00010000;
constexpr std::size_t kNameUnits = 36;
// Hostile headers could ask for gigabytes of entries; real tables use 128 x 128 bytes.
constexpr std::uint64_t kMaxEntriesBytes = 1 << 20;

std::uint32_t crc32_of(ByteView data) {
    return static_cast<std::uint32_t>(
        ::crc32(::crc32(0L, Z_NULL, 0), data.data(), static_cast<uInt>(data.size())));
}

Guid read_guid(ByteReader& r) {
    Guid g;
    ByteView b = r.bytes(16);
    std::copy(b.begin(), b.end(), g.begin());
    return g;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string utf16_name(ByteView raw) {
    std::string out;
    for (std::size_t i = 0; i + 1 < raw.size(); i += 2) {
        std::uint32_t u = raw[i] | (raw[i + 1] << 8);
        if (u == 0) break;
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < raw.size()) {
            std::uint32_t lo = raw[i + 2] | (raw[i + 3] << 8);
            if (lo >= 0xDC00 && lo < 0xE000) {
                append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i += 2;
                continue;
            }
        }
        if (u >= 0xD800 && u < 0xE000) u = 0xFFFD;  // lone surrogate
        append_utf8(out, u);
    }
    return out;
}

// Names we write are ASCII (partition labels); anything else becomes '?'.
void write_utf16_name(ByteWriter& w, const std::string& name) {
    std::size_t n = 0;
    for (; n < name.size() && n < kNameUnits; ++n) {
        auto c = static_cast<unsigned char>(name[n]);
        w.u16(c < 0x80 ? c : '?');
    }
    w.zeros((kNameUnits - n) * 2);
}

bool is_zero(const Guid& g) {
    return std::all_of(g.begin(), g.end(), [](std::uint8_t b) { return b == 0; });
}

Bytes header_bytes(const GptHeader& h, std::uint32_t sector_size) {
    auto build = [&](std::uint32_t crc) {
        ByteWriter w;
        w.str(kSignature).u32(kRevision).u32(kHeaderSize).u32(crc).u32(0);
        w.u64(h.current_lba).u64(h.backup_lba).u64(h.first_usable).u64(h.last_usable);
        w.bytes(h.disk_guid).u64(h.entries_lba).u32(h.num_entries).u32(h.entry_size);
        w.u32(h.entries_crc);
        return w.take();
    };
    Bytes unsigned_header = build(0);
    Bytes out = build(crc32_of(unsigned_header));
    out.resize(sector_size, 0);
    return out;
}

}  // namespace

GptHeader parse_gpt_header(ByteView sector, std::uint32_t sector_size) {
    if (sector_size < 512 || sector_size > 65536 || (sector_size & (sector_size - 1)))
        throw DecodeError(fmt::format("GPT: unsupported sector size {}", sector_size));
    if (sector.size() < kHeaderSize) throw DecodeError("GPT header: truncated sector");
    ByteReader r(sector, "GPT header");
    if (as_chars(r.bytes(8)) != kSignature)
        throw DecodeError("no GPT header at LBA 1 (signature 'EFI PART' missing)");
    r.u32();  // revision: any
    std::uint32_t size = r.u32();
    std::uint32_t crc = r.u32();
    if (size < kHeaderSize || size > sector.size() || size > sector_size)
        throw DecodeError(fmt::format("GPT header: bad header size {}", size));
    Bytes copy(sector.begin(), sector.begin() + size);
    std::memset(copy.data() + 16, 0, 4);
    if (crc32_of(copy) != crc)
        throw DecodeError(fmt::format("GPT header: CRC32 mismatch (stored {:08x}, computed {:08x})",
                                      crc, crc32_of(copy)));
    r.u32();
    GptHeader h;
    h.sector_size = sector_size;
    h.current_lba = r.u64();
    h.backup_lba = r.u64();
    h.first_usable = r.u64();
    h.last_usable = r.u64();
    h.disk_guid = read_guid(r);
    h.entries_lba = r.u64();
    h.num_entries = r.u32();
    h.entry_size = r.u32();
    h.entries_crc = r.u32();
    if (h.entry_size < 128 || h.entry_size % 8 != 0)
        throw DecodeError(fmt::format("GPT header: bad entry size {}", h.entry_size));
    if (static_cast<std::uint64_t>(h.num_entries) * h.entry_size > kMaxEntriesBytes)
        throw DecodeError(fmt::format("GPT header: {} entries of {} bytes is implausibly large",
                                      h.num_entries, h.entry_size));
    if (h.entries_lba < 2 || h.first_usable > h.last_usable)
        throw DecodeError("GPT header: entry array or usable range out of place");
    return h;
}

std::uint64_t gpt_entries_bytes(const GptHeader& header) {
    std::uint64_t bytes = static_cast<std::uint64_t>(header.num_entries) * header.entry_size;
    return (bytes + header.sector_size - 1) / header.sector_size * header.sector_size;
}

std::vector<GptEntry> parse_gpt_entries(const GptHeader& header, ByteView entries) {
    std::uint64_t bytes = static_cast<std::uint64_t>(header.num_entries) * header.entry_size;
    if (entries.size() < bytes)
        throw DecodeError(
            fmt::format("GPT entries: truncated ({} of {} bytes)", entries.size(), bytes));
    ByteView array = entries.first(static_cast<std::size_t>(bytes));
    if (crc32_of(array) != header.entries_crc)
        throw DecodeError("GPT entries: CRC32 mismatch (the partition table is corrupt)");
    std::vector<GptEntry> out;
    for (std::uint32_t i = 0; i < header.num_entries; ++i) {
        ByteReader r(array.subspan(std::size_t(i) * header.entry_size, header.entry_size),
                     "GPT entry");
        GptEntry e;
        e.type = read_guid(r);
        if (is_zero(e.type)) continue;
        e.unique = read_guid(r);
        e.first_lba = r.u64();
        e.last_lba = r.u64();
        e.attributes = r.u64();
        e.name = utf16_name(r.bytes(kNameUnits * 2));
        if (e.first_lba > e.last_lba || e.first_lba < header.first_usable ||
            e.last_lba > header.last_usable)
            throw DecodeError(fmt::format("GPT entry {} '{}': sectors {}..{} outside {}..{}", i,
                                          e.name, e.first_lba, e.last_lba, header.first_usable,
                                          header.last_usable));
        out.push_back(std::move(e));
    }
    return out;
}

Gpt parse_gpt(ByteView disk_start, std::uint32_t sector_size) {
    if (disk_start.size() < 2ull * sector_size)
        throw DecodeError("GPT: fewer than two sectors given");
    Gpt gpt;
    gpt.header = parse_gpt_header(disk_start.subspan(sector_size, sector_size), sector_size);
    std::uint64_t from = gpt.header.entries_lba * sector_size;
    if (from > disk_start.size()) throw DecodeError("GPT: entry array beyond the data given");
    gpt.entries = parse_gpt_entries(gpt.header, disk_start.subspan(static_cast<std::size_t>(from)));
    return gpt;
}

GptImage write_gpt(const std::vector<GptEntry>& entries, std::uint32_t sector_size,
                   std::uint64_t total_sectors, const Guid& disk_guid) {
    GptHeader h;
    h.sector_size = sector_size;
    h.num_entries = 128;
    h.entry_size = 128;
    std::uint64_t entry_sectors = gpt_entries_bytes(h) / sector_size;
    if (entries.size() > h.num_entries || total_sectors < 2 * entry_sectors + 4)
        throw UsageError("GPT: too many entries or too small a disk");
    h.disk_guid = disk_guid;
    h.first_usable = 2 + entry_sectors;
    h.last_usable = total_sectors - 2 - entry_sectors;
    ByteWriter array;
    for (const auto& e : entries) {
        array.bytes(e.type).bytes(e.unique).u64(e.first_lba).u64(e.last_lba).u64(e.attributes);
        write_utf16_name(array, e.name);
    }
    array.zeros(std::size_t(h.num_entries) * h.entry_size - array.size());
    Bytes table = array.take();
    h.entries_crc = crc32_of(table);

    Bytes mbr(sector_size, 0);
    std::uint8_t* p = mbr.data() + 446;
    p[1] = 0x00;
    p[2] = 0x02;
    p[3] = 0x00;  // CHS of LBA 1
    p[4] = 0xEE;  // GPT protective
    p[5] = 0xFF;
    p[6] = 0xFF;
    p[7] = 0xFF;
    std::uint32_t first = 1;
    std::uint32_t count =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(total_sectors - 1, 0xFFFFFFFF));
    std::memcpy(p + 8, &first, 4);
    std::memcpy(p + 12, &count, 4);
    mbr[510] = 0x55;
    mbr[511] = 0xAA;

    GptImage image;
    GptHeader primary = h;
    primary.current_lba = 1;
    primary.backup_lba = total_sectors - 1;
    primary.entries_lba = 2;
    image.primary = mbr;
    Bytes ph = header_bytes(primary, sector_size);
    image.primary.insert(image.primary.end(), ph.begin(), ph.end());
    image.primary.insert(image.primary.end(), table.begin(), table.end());
    image.primary.resize((2 + entry_sectors) * sector_size, 0);

    GptHeader backup = h;
    backup.current_lba = total_sectors - 1;
    backup.backup_lba = 1;
    backup.entries_lba = total_sectors - 1 - entry_sectors;
    image.backup_start_lba = backup.entries_lba;
    image.backup = table;
    image.backup.resize(entry_sectors * sector_size, 0);
    Bytes bh = header_bytes(backup, sector_size);
    image.backup.insert(image.backup.end(), bh.begin(), bh.end());
    return image;
}

PartitionMap to_partition_map(const Gpt& gpt, std::uint32_t lun) {
    PartitionMap map;
    map.source = "gpt";
    map.sector_size = gpt.header.sector_size;
    for (const auto& e : gpt.entries) {
        Partition p;
        p.raw_name = e.name;
        p.name = normalize_name(e.name);
        p.lun = lun;
        p.start_sector = e.first_lba;
        p.num_sectors = e.last_lba - e.first_lba + 1;
        p.calibration = is_calibration_name(p.name);
        map.partitions.push_back(std::move(p));
    }
    return map;
}

}  // namespace cr::partition
