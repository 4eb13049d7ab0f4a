// Parser for Qualcomm rawprogram*.xml and patch*.xml files (pure: text in, operations out).
// Facts: PROTOCOLS.md §3. Unknown attributes are tolerated (debug log); malformed XML, missing
// required attributes and bad numbers throw DecodeError naming the file and element.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cr::package {

enum class OpKind { program, erase, patch };
std::string_view to_string(OpKind kind);

struct RawOp {
    OpKind kind = OpKind::program;
    std::uint32_t sector_size = 0;         // SECTOR_SIZE_IN_BYTES
    std::string start_sector;              // as written: "1280", "NUM_DISK_SECTORS-33."
    std::uint64_t num_sectors = 0;         // num_partition_sectors (0 = size of the file)
    std::uint32_t physical_partition = 0;  // physical_partition_number
    std::string label;
    std::string filename;  // as written ("..\\NON-HLOS.ubi", "" = none)
    std::uint64_t file_sector_offset = 0;
    bool sparse = false;
    std::uint32_t pages_per_block = 0;       // NAND: PAGES_PER_BLOCK (0 = absent)
    std::optional<std::string> last_sector;  // NAND: as written
    // patch only
    std::string byte_offset;
    std::uint32_t size_in_bytes = 0;
    std::string value;
    std::string what;
    // where it came from (for messages): "rawprogram_nand_p4K_b256K_update.xml:12"
    std::string origin;
};

// rawprogram: <program> and <erase> elements under <data>. Throws DecodeError.
std::vector<RawOp> parse_rawprogram(std::string_view xml, const std::string& source_name);
// patch: <patch> elements under <patches> or <data>; all are returned (callers keep only
// filename="DISK"). Throws DecodeError.
std::vector<RawOp> parse_patch(std::string_view xml, const std::string& source_name);

// Evaluates a sector expression: a decimal or 0x-hex number with an optional trailing '.', or
// NUM_DISK_SECTORS followed by +/- terms ("NUM_DISK_SECTORS-33."). Returns nullopt when the
// expression needs num_disk_sectors and none is given. Throws DecodeError on malformed text or
// overflow/underflow.
std::optional<std::uint64_t> eval_sector(std::string_view expr,
                                         std::optional<std::uint64_t> num_disk_sectors);

}  // namespace cr::package
