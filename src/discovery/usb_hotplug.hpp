// USB arrivals and departures as they happen (libusb hotplug), so a station starts a module's
// job when it is plugged in instead of at its next poll. Where libusb has no hotplug support
// (LIBUSB_CAP_HAS_HOTPLUG false, or no libusb context), available() is false and the caller
// keeps polling; callers poll anyway, bounded, as a backup for a missed event.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>

struct libusb_context;

namespace cr::discovery {

class UsbHotplug {
  public:
    UsbHotplug();  // never throws: no hotplug is not an error, just slower
    ~UsbHotplug();
    UsbHotplug(const UsbHotplug&) = delete;
    UsbHotplug& operator=(const UsbHotplug&) = delete;

    bool available() const { return fd_ >= 0; }
    // Readable (POLLIN) after a device arrived or left; consume() drains it. -1: unavailable.
    int fd() const { return fd_; }
    // Drains the fd; returns how many events came since the last call.
    std::uint64_t consume();
    // Events counted so far (tests).
    std::uint64_t events() const { return events_.load(); }
    void note_event();  // the libusb callback's side; thread-safe

  private:
    libusb_context* ctx_ = nullptr;
    int handle_ = 0;  // libusb_hotplug_callback_handle
    int fd_ = -1;     // eventfd
    std::atomic<std::uint64_t> events_{0};
    std::jthread thread_;  // runs libusb's event handling, in bounded slices
};

}  // namespace cr::discovery
