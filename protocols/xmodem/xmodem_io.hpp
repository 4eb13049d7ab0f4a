// Small helpers shared by the XMODEM sender and receiver (internal).
#pragma once
#include <optional>
#include <string>

#include "src/transport/transport.hpp"

namespace cr::xmodem::detail {

// One byte within `timeout`, or nullopt.
std::optional<std::uint8_t> read_byte(Transport& port, Millis timeout);
// Sends CAN CAN CAN (best effort: the peer may be gone already).
void send_cancel(Transport& port);
// Writes one control byte, logging it.
void send_control(Transport& port, std::uint8_t byte, Millis timeout);
// Reads and discards until the line is quiet for `quiet`, at most `limit` in total.
std::size_t purge(Transport& port, Millis quiet, Millis limit);
std::string control_name(std::uint8_t byte);

}  // namespace cr::xmodem::detail
