// Names and meanings of DIAG error replies (PROTOCOLS.md §4).
#include <fmt/format.h>

#include "protocols/diag/diag_client.hpp"

namespace cr::diag {

bool is_error_reply(std::uint8_t code) {
    switch (code) {
        case kBadCmd:
        case kBadParm:
        case kBadLen:
        case kBadDev:
        case kBadMode:
        case kBadSpcMode:
        case kBadSecMode:
            return true;
        default:
            return false;
    }
}

std::string_view error_reply_name(std::uint8_t code) {
    switch (code) {
        case kBadCmd:
            return "BAD_CMD";
        case kBadParm:
            return "BAD_PARM";
        case kBadLen:
            return "BAD_LEN";
        case kBadDev:
            return "BAD_DEV";
        case kBadMode:
            return "BAD_MODE";
        case kBadSpcMode:
            return "BAD_SPC_MODE";
        case kBadSecMode:
            return "BAD_SEC_MODE";
        default:
            return "unknown";
    }
}

std::string error_reply_meaning(std::uint8_t code) {
    switch (code) {
        case kBadCmd:
            return "the module does not know this command";
        case kBadParm:
            return "the module rejected a parameter (or the item is unreadable)";
        case kBadLen:
            return "the module rejected the request length";
        case kBadDev:
            return "the module's DIAG service is not available";
        case kBadMode:
            return "the command is not allowed in the module's current mode";
        case kBadSpcMode:
            return "the item is protected: send the SPC first (diag spc)";
        case kBadSecMode:
            return "the module's security mode refuses this command";
        default:
            return fmt::format("error reply 0x{:02X}", code);
    }
}

namespace {

std::string next_step_for(std::uint8_t code) {
    switch (code) {
        case kBadSpcMode:
            return "unlock with `cellrescue diag spc <code>` (one attempt: wrong codes lock the "
                   "module out for a while), then retry";
        case kBadMode:
            return "put the module offline (`cellrescue diag mode offline`) and retry";
        case kBadCmd:
            return "this firmware does not support the command; nothing was changed";
        default:
            return "nothing was changed; check the request and retry";
    }
}

}  // namespace

DiagCommandError::DiagCommandError(std::uint8_t code, const std::string& request_name)
    : ProtocolError(fmt::format("{} refused: {} (DIAG 0x{:02X}): {}", request_name,
                                error_reply_name(code), code, error_reply_meaning(code)),
                    "the module is running; the request had no effect", next_step_for(code)),
      code_(code) {}

std::string_view to_string(ControlMode mode) {
    switch (mode) {
        case ControlMode::offline_analog:
            return "OFFLINE_A";
        case ControlMode::offline_digital:
            return "OFFLINE_D";
        case ControlMode::reset:
            return "RESET";
        case ControlMode::ftm:
            return "FTM";
        case ControlMode::online:
            return "ONLINE";
        case ControlMode::low_power:
            return "LPM";
        case ControlMode::power_off:
            return "POWER_OFF";
    }
    return "unknown";
}

}  // namespace cr::diag
