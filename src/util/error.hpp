// Typed errors. Every error a user can see says what happened, what state the device is in now,
// and what to do next; the CLI maps the kind to an exit code (README lists them).
#pragma once
#include <stdexcept>
#include <string>

namespace cr {

enum class ErrorKind {
    generic = 1,
    usage = 2,           // bad command line or argument
    not_found = 3,       // no such device, file, partition
    timeout = 4,         // a bounded wait ran out
    device_gone = 5,     // the device vanished (unplugged, rebooted)
    protocol = 6,        // the peer answered NAK/error, or spoke something unexpected
    safety = 7,          // refused to protect calibration or identity
    verify = 8,          // read-back or digest mismatch
    io = 9,              // local file system
    bad_input = 10,      // malformed file or packet
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what, std::string device_state = {},
                   std::string next_step = {}, ErrorKind kind = ErrorKind::generic);
    ErrorKind kind() const { return kind_; }
    const std::string& device_state() const { return device_state_; }
    const std::string& next_step() const { return next_step_; }

private:
    std::string device_state_;
    std::string next_step_;
    ErrorKind kind_;
};

// Helper to declare an error type bound to one kind.
#define CR_DECLARE_ERROR(Name, Kind)                                                    \
    class Name : public Error {                                                         \
    public:                                                                             \
        explicit Name(const std::string& what, std::string device_state = {},           \
                      std::string next_step = {})                                       \
            : Error(what, std::move(device_state), std::move(next_step), ErrorKind::Kind) {} \
    };

CR_DECLARE_ERROR(UsageError, usage)
CR_DECLARE_ERROR(NotFoundError, not_found)
CR_DECLARE_ERROR(TimeoutError, timeout)
CR_DECLARE_ERROR(DeviceGoneError, device_gone)
CR_DECLARE_ERROR(ProtocolError, protocol)
CR_DECLARE_ERROR(SafetyError, safety)
CR_DECLARE_ERROR(VerifyError, verify)
CR_DECLARE_ERROR(IoError, io)
CR_DECLARE_ERROR(DecodeError, bad_input)

#undef CR_DECLARE_ERROR

}  // namespace cr
