#include <fmt/format.h>

#include "src/device/device.hpp"
#include "src/util/error.hpp"

namespace cr {

// Interim until discovery lands (the transport/discovery work replaces this file).
std::unique_ptr<Device> open_real_device(const DeviceSpec& spec) {
    throw NotFoundError(fmt::format("no device {} found", to_string(spec)), "no device attached",
                        "run `cellrescue devices` to list what is attached");
}

}  // namespace cr
