// Internal helpers of UsbTransport: finding the device a UsbSelector names and claiming it.
// Kept apart so usb_transport.cpp stays about moving bytes.
#pragma once
#include <cstdint>
#include <string>

#include "src/transport/usb_transport.hpp"

namespace cr::usb {

// An opened (not yet claimed) device. Owns ctx and handle until someone takes them (sets them
// to nullptr).
struct Candidate {
    libusb_context* ctx = nullptr;
    libusb_device_handle* handle = nullptr;
    std::string usb_path;
    std::uint16_t vid = 0;
    std::uint16_t pid = 0;
    int interface = -1;
    std::uint8_t ep_in = 0;
    std::uint8_t ep_out = 0;
    std::uint16_t max_packet = 512;

    Candidate() = default;
    Candidate(Candidate&& other) noexcept;
    Candidate& operator=(Candidate&&) = delete;
    ~Candidate();
};

// Serial numbers compare case-insensitively, ignoring "0x" and leading zeros.
bool same_serial(std::string_view a, std::string_view b);

// The one device matching `selector`, opened. Throws NotFoundError / UsageError / IoError.
Candidate find_candidate(const UsbSelector& selector);

// Detaches a kernel driver if asked and claims; throws IoError (busy, permission) or
// DeviceGoneError.
void claim(libusb_device_handle& handle, int interface, bool detach, const std::string& what);

}  // namespace cr::usb
