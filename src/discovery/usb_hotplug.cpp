#include "src/discovery/usb_hotplug.hpp"

#include <libusb-1.0/libusb.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace cr::discovery {
namespace {

int LIBUSB_CALL on_hotplug(libusb_context*, libusb_device*, libusb_hotplug_event, void* self) {
    static_cast<UsbHotplug*>(self)->note_event();
    return 0;  // stay registered
}

}  // namespace

UsbHotplug::UsbHotplug() {
    if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
        spdlog::debug("usb hotplug: libusb has no hotplug support here, polling only");
        return;
    }
    if (libusb_init(&ctx_) != 0) {
        ctx_ = nullptr;
        spdlog::debug("usb hotplug: no libusb context, polling only");
        return;
    }
    fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    libusb_hotplug_callback_handle h = 0;
    if (fd_ < 0 || libusb_hotplug_register_callback(
                       ctx_,
                       static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                                         LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
                       LIBUSB_HOTPLUG_NO_FLAGS, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                       LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, this, &h) != LIBUSB_SUCCESS) {
        spdlog::debug("usb hotplug: callback not registered, polling only");
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        libusb_exit(ctx_);
        ctx_ = nullptr;
        return;
    }
    handle_ = h;
    // Events are handled in 200 ms slices so the thread sees its stop promptly.
    thread_ = std::jthread([this](std::stop_token st) {
        timeval slice{0, 200000};
        while (!st.stop_requested()) libusb_handle_events_timeout_completed(ctx_, &slice, nullptr);
    });
}

UsbHotplug::~UsbHotplug() {
    if (!ctx_) return;
    thread_.request_stop();
    libusb_hotplug_deregister_callback(ctx_, handle_);  // also wakes the event handler
    if (thread_.joinable()) thread_.join();
    libusb_exit(ctx_);
    ::close(fd_);
}

void UsbHotplug::note_event() {
    events_.fetch_add(1);
    std::uint64_t one = 1;
    (void)!::write(fd_, &one, sizeof one);
}

std::uint64_t UsbHotplug::consume() {
    std::uint64_t v = 0;
    if (fd_ < 0 || ::read(fd_, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) return 0;
    return v;
}

}  // namespace cr::discovery
