#include "sim/ublox/ublox_at.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <thread>

#include "protocols/at/at_parser.hpp"
#include "sim/ublox/ublox_server.hpp"
#include "src/util/error.hpp"

namespace cr::sim {

void serve_ublox_at(VirtualModule& module, Transport& port, std::stop_token stop) {
    ublox::UbloxServer(module, port, std::move(stop)).run();
}

}  // namespace cr::sim

namespace cr::sim::ublox {

namespace {
constexpr std::size_t max_line = 4096;
constexpr Millis poll_step{100};
}  // namespace

UbloxServer::UbloxServer(VirtualModule& module, Transport& port, std::stop_token stop)
    : module_(module), port_(port), stop_(std::move(stop)), family_(family_of(module.model())) {}

void UbloxServer::run() {
    try {
        if (!boot()) return;  // installing: the port does not exist yet
        while (!stop_.stop_requested()) {
            auto line = read_line(poll_step);
            if (line) handle(*line);
        }
    } catch (const PortDropped&) {
        spdlog::debug("virtual {}: port dropped", module_.id());
    }
}

void UbloxServer::change(const std::function<void(ModuleState&, UbloxState&)>& fn) {
    module_.update([&](ModuleState& s) {
        UbloxState u = load(s);
        fn(s, u);
        store(s, u);
    });
}

std::optional<std::string> UbloxServer::read_line(Millis timeout) {
    Deadline deadline(timeout);
    while (true) {
        auto end = std::find_if(in_.begin(), in_.end(),
                                [](std::uint8_t b) { return b == '\r' || b == '\n'; });
        if (end != in_.end()) {
            std::string line(in_.begin(), end);
            in_.erase(in_.begin(), end + 1);
            line.erase(std::remove(line.begin(), line.end(), '\0'), line.end());
            if (!line.empty()) {
                spdlog::trace("virtual {} AT -> {}", module_.id(), at::escape(line));
                return line;
            }
            continue;
        }
        if (in_.size() > max_line) in_.clear();  // garbage without line ends: forget it
        if (deadline.expired() || stop_.stop_requested()) return std::nullopt;
        std::array<std::uint8_t, 1024> buf{};
        std::size_t n = port_.read(buf, std::min(deadline.remaining(), poll_step));
        in_.insert(in_.end(), buf.begin(), buf.begin() + static_cast<long>(n));
    }
}

bool UbloxServer::read_raw(Bytes& out, std::size_t count, Millis idle_timeout) {
    std::size_t take = std::min(count, in_.size());
    out.insert(out.end(), in_.begin(), in_.begin() + static_cast<long>(take));
    in_.erase(in_.begin(), in_.begin() + static_cast<long>(take));
    std::array<std::uint8_t, 4096> buf{};
    std::size_t got = take;
    while (got < count) {
        std::size_t n =
            port_.read(std::span(buf).subspan(0, std::min(buf.size(), count - got)), idle_timeout);
        if (n == 0) return false;
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        got += n;
    }
    return true;
}

void UbloxServer::send(std::string_view text) {
    spdlog::trace("virtual {} AT <- {}", module_.id(), at::escape(text));
    port_.write(as_bytes(text), Millis(5000));
}

void UbloxServer::cme(int code, const std::string& text) {
    if (cmee_ == 0)
        send("\r\nERROR\r\n");
    else if (cmee_ == 1)
        send(fmt::format("\r\n+CME ERROR: {}\r\n", code));
    else
        send(fmt::format("\r\n+CME ERROR: {}\r\n", text));
}

void UbloxServer::nap(Millis real_time) {
    Deadline deadline(scaled(state(), real_time));
    while (!deadline.expired()) {
        if (stop_.stop_requested()) throw PortDropped{};
        std::this_thread::sleep_for(std::min(deadline.remaining(), Millis(20)));
    }
    if (state().update_mode) throw PortDropped{};  // power lost meanwhile
}

}  // namespace cr::sim::ublox
