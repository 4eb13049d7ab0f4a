// Fuzzes the md5.txt parser (Quectel and GNU lines): it returns entries or throws DecodeError.
#include <cstdint>
#include <string_view>

#include "src/package/md5_list.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto list = cr::package::parse_md5_list(text, "md5.txt");
        for (const auto& e : list.entries)
            if (e.md5.size() != 32 || e.path.empty()) __builtin_trap();
    } catch (const cr::Error&) {
    }
    return 0;
}
