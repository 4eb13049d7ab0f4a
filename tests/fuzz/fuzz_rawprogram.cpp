// Fuzzes the rawprogram/patch parser and the sector expression evaluator with one input.
#include <cstdint>
#include <string_view>

#include "src/package/rawprogram.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        for (const auto& op : cr::package::parse_rawprogram(text, "fuzz.xml"))
            (void)cr::package::eval_sector(op.start_sector, 131072);
    } catch (const cr::Error&) {
    }
    try {
        (void)cr::package::parse_patch(text, "fuzz.xml");
    } catch (const cr::Error&) {
    }
    try {
        (void)cr::package::eval_sector(text.substr(0, 64), 1000);
    } catch (const cr::Error&) {
    }
    return 0;
}
