#include "sim/firehose/firehose_target.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr::sim {

// Interim until the Firehose target lands.
void serve_firehose(VirtualModule& module, Transport&, std::stop_token) {
    throw ProtocolError(fmt::format("the virtual {} has no Firehose target yet", module.model().product));
}

}  // namespace cr::sim
