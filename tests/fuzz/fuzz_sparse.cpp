// Fuzzes the sparse image path (libsparse import + CRC check + our run list and piece writer):
// an image is refused with DecodeError or yields runs whose pieces add up, inside the image.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "src/package/sparse_image.hpp"
#include "src/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    int fd = ::memfd_create("fuzz_sparse", MFD_CLOEXEC);
    if (fd < 0) return 0;
    if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
        ::close(fd);
        return 0;
    }
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        // 64 KiB: what a hostile header claims is refused before anything is expanded.
        auto layout = cr::package::inspect_sparse(path, 512, "fuzz.xml:1", 64u << 10);
        std::uint64_t sent = 0, end = 0;
        cr::package::write_sparse_pieces(
            path, layout, 64 * 1024, "fuzz.xml:1",
            [&](std::uint64_t off, std::span<const std::uint8_t> piece) {
                if (off < end || off + piece.size() > layout.expanded_bytes) __builtin_trap();
                end = off + piece.size();
                sent += piece.size();
            });
        if (sent != layout.data_bytes()) __builtin_trap();
    } catch (const cr::Error&) {
    }
    ::close(fd);
    return 0;
}
