#include <fmt/format.h>

#include "sim/ports.hpp"
#include "src/util/error.hpp"

namespace cr::sim {

// Interim until the diag target lands.
void serve_diag(VirtualModule& module, Transport&, std::stop_token) {
    throw ProtocolError(fmt::format("the virtual {} has no diag port yet", module.model().product));
}

}  // namespace cr::sim
