#include <fmt/format.h>

#include "sim/ports.hpp"
#include "src/util/error.hpp"

namespace cr::sim {

// Interim until the edl target lands.
void serve_edl(VirtualModule& module, Transport&, std::stop_token) {
    throw ProtocolError(fmt::format("the virtual {} has no edl port yet", module.model().product));
}

}  // namespace cr::sim
