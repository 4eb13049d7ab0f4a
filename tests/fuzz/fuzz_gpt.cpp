#include <cstddef>
#include <cstdint>

#include "protocols/partition/gpt.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    for (std::uint32_t ss : {512u, 4096u}) {
        try {
            auto gpt = cr::partition::parse_gpt(cr::ByteView(data, size), ss);
            (void)cr::partition::to_partition_map(gpt, 0);
        } catch (const cr::Error&) {
        }
    }
    return 0;
}
