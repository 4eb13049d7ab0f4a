#include "src/transport/transport.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr {

void read_exact(Transport& transport, std::span<std::uint8_t> buf, Millis timeout,
                std::string_view what) {
    Deadline deadline(timeout);
    std::size_t got = 0;
    while (got < buf.size()) {
        std::size_t n = transport.read(buf.subspan(got), deadline.remaining());
        got += n;
        if (n == 0 && deadline.expired())
            throw TimeoutError(
                fmt::format("{} went silent: waited {} ms for {}, got {} of {} bytes",
                            transport.description(), timeout.count(), what, got, buf.size()));
    }
}

Bytes read_exact(Transport& transport, std::size_t count, Millis timeout, std::string_view what) {
    Bytes out(count);
    read_exact(transport, out, timeout, what);
    return out;
}

}  // namespace cr
