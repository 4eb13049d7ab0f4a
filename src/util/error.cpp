#include "src/util/error.hpp"

namespace cr {

Error::Error(const std::string& what, std::string device_state, std::string next_step,
             ErrorKind kind)
    : std::runtime_error(what),
      device_state_(std::move(device_state)),
      next_step_(std::move(next_step)),
      kind_(kind) {}

}  // namespace cr
