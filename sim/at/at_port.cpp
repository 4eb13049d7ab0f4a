#include <fmt/format.h>

#include "sim/ports.hpp"
#include "src/util/error.hpp"

namespace cr::sim {

// Interim until the at target lands.
void serve_at(VirtualModule& module, Transport&, std::stop_token) {
    throw ProtocolError(fmt::format("the virtual {} has no at port yet", module.model().product));
}

}  // namespace cr::sim
