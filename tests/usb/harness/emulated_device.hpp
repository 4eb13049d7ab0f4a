// One emulated usbfs device: the ioctl handler (umockdev worker thread), the queues between the
// host's URBs and the device-side Transport, and the serve thread of the current session.
// A session starts when the host claims the interface (or first moves data) and ends when it
// releases it, its process goes away, or the device is unplugged; each session gets a fresh
// call of the serve function, like a device that is re-opened.
#pragma once
#include <umockdev.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "tests/usb/harness/descriptors.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {

struct PendingUrb {
    UMockdevIoctlData* urb = nullptr;
    UMockdevIoctlData* buf = nullptr;
};

struct DeviceMessage {
    Bytes data;
    std::size_t offset = 0;
    bool zlp_after = false;  // whole multiple of wMaxPacketSize: a real target ends it with a ZLP
};

struct EmulatedDevice::Impl {
    UsbDeviceSpec spec;
    Placement place;
    ServeFn serve;
    UMockdevTestbed* testbed = nullptr;

    mutable std::mutex mutex;
    std::condition_variable changed;
    std::deque<PendingUrb> pending_in;
    std::deque<PendingUrb> reapable;
    std::deque<DeviceMessage> to_host;
    Bytes to_device;
    std::size_t to_device_offset = 0;
    bool unplugged = false;
    std::uint64_t session = 0;  // current session number (0: none yet)
    bool session_open = false;
    TransferStats stats;
    int wake_fd = -1;  // FIFO node: full unless something is reapable
    // Starting and joining the serve thread happen on several threads (the umockdev thread on
    // claim/release, the test on unplug): `lifecycle` serialises them so that two never join
    // the same thread. The serve thread itself (unplugging from inside serve) never takes it.
    std::mutex lifecycle;
    std::atomic<std::thread::id> server_id{};
    std::jthread server;
    std::map<int, int> tty_masters;  // interface -> pty master (owned by umockdev)
    std::vector<std::jthread> tty_servers;

    ~Impl();
    void attach();  // connects the ioctl handler; FIFO node if asked
    gboolean on_ioctl(UMockdevIoctlClient* client);
    // URB submit/reap/discard, synchronous BULK and CONTROL (emulated_transfers.cpp).
    gboolean handle_transfer_ioctl(UMockdevIoctlClient* client, unsigned long request,
                                   UMockdevIoctlData* arg);
    // EP0 GET_DESCRIPTOR answers into `data` (after the 8-byte setup); <0: stall.
    int control_in(const std::uint8_t* setup, std::uint8_t* data, std::size_t max);
    void on_client_vanished();
    void start_session();  // ends the previous one first
    void close_session();  // marks the session closed and wakes waiters; joins nothing
    void end_session();
    void join_server();  // under `lifecycle`: stops and joins the current serve thread
    void unplug();
    void stop_all();

    // Under mutex:
    void pump();  // completes pending IN URBs from to_host
    std::size_t take_message_into(std::uint8_t* dst, std::size_t max);  // next IN transfer
    void update_wake();
    void fail_pending(int status);
    // Device side (serve thread):
    void device_write(ByteView data, std::uint64_t session_id);
    std::size_t device_read(std::span<std::uint8_t> buf, Millis timeout, std::uint64_t session_id,
                            std::stop_token stop);
};

}  // namespace cr::usbtest
