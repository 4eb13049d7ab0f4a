#include <cstddef>
#include <cstdint>

#include "protocols/partition/nand_table.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)cr::partition::is_mibib_header(cr::ByteView(data, size));
        auto table = cr::partition::parse_nand_table(cr::ByteView(data, size));
        (void)cr::partition::to_partition_map(table, 4096, 64, 131072);
    } catch (const cr::Error&) {
    }
    return 0;
}
