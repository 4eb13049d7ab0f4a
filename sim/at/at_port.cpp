// The virtual module's AT port: assembles command lines from the byte stream and answers them
// with the vendor's personality. u-blox models are served by the u-blox target.
#include <spdlog/spdlog.h>

#include <array>

#include "sim/at/quectel_personality.hpp"
#include "sim/ports.hpp"
#include "sim/ublox/ublox_at.hpp"

namespace cr::sim {
namespace {

constexpr std::size_t max_line = 4096;  // a real module's command buffer is far smaller
constexpr Millis poll_step{100};        // how often a quiet port checks for a stop request
constexpr Millis write_timeout{5000};

void send(Transport& port, const std::string& text) {
    if (text.empty()) return;
    spdlog::trace("virtual AT <- {:?}", text);
    port.write(as_bytes(text), write_timeout);
}

void serve_quectel(VirtualModule& module, Transport& port, std::stop_token stop) {
    QuectelPersonality personality(module);
    send(port, personality.greeting());
    std::string line;
    bool overflow = false;
    std::array<std::uint8_t, 1024> buf{};
    while (!stop.stop_requested()) {
        std::size_t n = port.read(buf, poll_step);  // throws DeviceGoneError when the host hangs up
        for (std::size_t i = 0; i < n; ++i) {
            char c = static_cast<char>(buf[i]);
            if (c != '\r' && c != '\n') {
                if (line.size() < max_line)
                    line += c;
                else
                    overflow = true;
                continue;
            }
            if (overflow) {  // an overlong line is dropped whole, as a module's buffer would
                send(port, "\r\nERROR\r\n");
                line.clear();
                overflow = false;
                continue;
            }
            if (line.empty()) continue;
            spdlog::trace("virtual AT -> {:?}", line);
            AtReply reply = personality.handle(line);
            line.clear();
            send(port, reply.text);
            if (reply.drop_port) return;  // reset: the port vanishes like a USB disconnect
        }
    }
}

}  // namespace

void serve_at(VirtualModule& module, Transport& port, std::stop_token stop) {
    if (module.model().vendor == Vendor::ublox) {
        serve_ublox_at(module, port, stop);  // engineer U's u-blox personality
        return;
    }
    serve_quectel(module, port, stop);
}

}  // namespace cr::sim
