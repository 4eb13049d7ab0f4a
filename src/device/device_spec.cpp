#include "src/device/device_spec.hpp"

#include <fmt/format.h>

#include "src/util/error.hpp"

namespace cr {
namespace {

bool looks_like_usb_path(std::string_view s) {
    // bus-port[.port...], e.g. 1-1 or 3-2.4.1
    auto dash = s.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == s.size()) return false;
    for (char c : s.substr(0, dash))
        if (c < '0' || c > '9') return false;
    for (char c : s.substr(dash + 1))
        if ((c < '0' || c > '9') && c != '.') return false;
    return true;
}

}  // namespace

DeviceSpec parse_device_spec(std::string_view text) {
    auto fail = [&]() {
        return UsageError(fmt::format("cannot read device '{}'", text), {},
                          "use usb:<bus-port> (1-1.2), sn:<serial>, a path such as "
                          "/dev/ttyUSB0, or sim:<model>[#n] (see `cellrescue devices`)");
    };
    if (text.empty()) return {};
    if (text.starts_with("sim:")) {
        auto id = text.substr(4);
        if (id.empty()) throw fail();
        return {DeviceSpec::Kind::sim, std::string(id)};
    }
    if (text.starts_with("usb:")) {
        if (!looks_like_usb_path(text.substr(4))) throw fail();
        return {DeviceSpec::Kind::usb_path, std::string(text.substr(4))};
    }
    if (text.starts_with("sn:")) {
        if (text.size() == 3) throw fail();
        return {DeviceSpec::Kind::serial, std::string(text.substr(3))};
    }
    if (text.starts_with("/")) return {DeviceSpec::Kind::path, std::string(text)};
    if (looks_like_usb_path(text)) return {DeviceSpec::Kind::usb_path, std::string(text)};
    throw fail();
}

std::string to_string(const DeviceSpec& spec) {
    switch (spec.kind) {
        case DeviceSpec::Kind::any: return "(any)";
        case DeviceSpec::Kind::usb_path: return "usb:" + spec.value;
        case DeviceSpec::Kind::serial: return "sn:" + spec.value;
        case DeviceSpec::Kind::path: return spec.value;
        case DeviceSpec::Kind::sim: return "sim:" + spec.value;
    }
    return spec.value;
}

}  // namespace cr
