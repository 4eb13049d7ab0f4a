#include "tests/usb/harness/emulated_device.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/usbdevice_fs.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "src/util/error.hpp"

namespace cr::usbtest {
namespace {

UMockdevIoctlData* resolve(UMockdevIoctlData* d, gsize offset, gsize len) {
    GError* e = nullptr;
    UMockdevIoctlData* r = umockdev_ioctl_data_resolve(d, offset, len, &e);
    if (e) {
        spdlog::error("umockdev resolve: {}", e->message);
        g_error_free(e);
        return nullptr;
    }
    return r;
}

void release(PendingUrb& u) {
    if (u.urb) g_object_unref(u.urb);
    if (u.buf) g_object_unref(u.buf);
    u = {};
}

// The device-side end of one session: what the virtual module's port server talks through.
class BridgeTransport : public Transport {
  public:
    BridgeTransport(EmulatedDevice::Impl& dev, std::uint64_t session, std::stop_token stop)
        : dev_(dev), session_(session), stop_(std::move(stop)) {}
    void write(ByteView data, Millis) override { dev_.device_write(data, session_); }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        return dev_.device_read(buf, timeout, session_, stop_);
    }
    std::size_t max_transfer_size() const override { return 1 << 20; }
    void close() override {}
    std::string description() const override {
        return fmt::format("emulated usb {} (device side)", dev_.spec.usb_path);
    }

  private:
    EmulatedDevice::Impl& dev_;
    std::uint64_t session_;
    std::stop_token stop_;
};

}  // namespace

std::size_t EmulatedDevice::Impl::take_message_into(std::uint8_t* dst, std::size_t max) {
    auto& q = to_host;
    DeviceMessage& m = q.front();
    std::size_t n = std::min(m.data.size() - m.offset, max);
    if (n) std::memcpy(dst, m.data.data() + m.offset, n);
    m.offset += n;
    if (m.offset == m.data.size()) {
        // The transfer filled the host's buffer exactly: the ZLP comes as its own transfer.
        bool zlp = m.zlp_after && n > 0 && n == max;
        q.pop_front();
        if (zlp) q.push_front(DeviceMessage{});
    }
    return n;
}

namespace {}  // namespace

EmulatedDevice::Impl::~Impl() {
    stop_all();
}

void EmulatedDevice::Impl::stop_all() {
    end_session();
    for (auto& t : tty_servers) t.request_stop();
    tty_servers.clear();  // joins
    std::lock_guard lock(mutex);
    for (auto& u : pending_in) release(u);
    for (auto& u : reapable) release(u);
    pending_in.clear();
    reapable.clear();
    if (wake_fd >= 0) ::close(wake_fd);
    wake_fd = -1;
}

void EmulatedDevice::Impl::attach() {
    GError* e = nullptr;
    UMockdevIoctlBase* handler = umockdev_ioctl_base_new();
    g_signal_connect(handler, "handle-ioctl",
                     G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient* c, gpointer self) {
                         return static_cast<Impl*>(self)->on_ioctl(c);
                     }),
                     this);
    g_signal_connect(handler, "client-vanished",
                     G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient*, gpointer self) {
                         static_cast<Impl*>(self)->on_client_vanished();
                     }),
                     this);
    if (!umockdev_testbed_attach_ioctl(testbed, place.devnode.c_str(), handler, &e)) {
        std::string msg = e ? e->message : "?";
        if (e) g_error_free(e);
        g_object_unref(handler);
        throw std::runtime_error("umockdev attach_ioctl: " + msg);
    }
    g_object_unref(handler);
    if (spec.node_mode != NodeMode::fifo) return;
    // A regular file polls always-ready and libusb would spin on REAPURBNDELAY; a FIFO kept
    // full while nothing is reapable lets its poll() sleep.
    gchar* root = umockdev_testbed_get_root_dir(testbed);  // transfer full: ours to free
    std::string node = std::string(root) + place.devnode;
    g_free(root);
    ::unlink(node.c_str());
    ::mkfifo(node.c_str(), 0666);
    wake_fd = ::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    std::lock_guard lock(mutex);
    update_wake();
}

void EmulatedDevice::Impl::update_wake() {
    if (wake_fd < 0) return;
    static constexpr std::size_t kChunk = 65536;
    std::uint8_t junk[kChunk] = {};
    if (!reapable.empty()) {
        while (::read(wake_fd, junk, kChunk) > 0) {
        }
    } else {
        while (::write(wake_fd, junk, kChunk) > 0) {
        }
    }
}

void EmulatedDevice::Impl::fail_pending(int status) {
    for (auto& u : pending_in) {
        auto* urb = reinterpret_cast<usbdevfs_urb*>(u.urb->data);
        urb->status = status;
        urb->actual_length = 0;
        reapable.push_back(u);
    }
    pending_in.clear();
}

void EmulatedDevice::Impl::pump() {
    while (!pending_in.empty() && !to_host.empty()) {
        PendingUrb u = pending_in.front();
        pending_in.pop_front();
        auto* urb = reinterpret_cast<usbdevfs_urb*>(u.urb->data);
        std::size_t max = static_cast<std::size_t>(urb->buffer_length);
        std::size_t n = take_message_into(u.buf ? u.buf->data : nullptr, u.buf ? max : 0);
        urb->actual_length = static_cast<int>(n);
        urb->status = 0;
        ++stats.in_transfers;
        stats.in_bytes += n;
        reapable.push_back(u);
    }
}

void EmulatedDevice::Impl::start_session() {
    std::lock_guard serialised(lifecycle);
    join_server();
    std::uint64_t id;
    {
        std::lock_guard lock(mutex);
        to_host.clear();
        to_device.clear();
        to_device_offset = 0;
        id = ++session;
        session_open = true;
    }
    if (!serve) return;
    server = std::jthread([this, id](std::stop_token stop) {
        server_id.store(std::this_thread::get_id());  // before serve can unplug
        BridgeTransport port(*this, id, stop);
        try {
            serve(port, stop);
        } catch (const DeviceGoneError&) {
            // the host released the device or it was unplugged: the normal end
        } catch (const std::exception& e) {
            spdlog::debug("emulated {}: device side stopped: {}", spec.usb_path, e.what());
        }
    });
    server_id.store(server.get_id());
}

void EmulatedDevice::Impl::close_session() {
    {
        std::lock_guard lock(mutex);
        session_open = false;
    }
    changed.notify_all();
}

void EmulatedDevice::Impl::end_session() {
    // The serve thread ending its own session: it returns by itself; joining would deadlock.
    if (std::this_thread::get_id() == server_id.load()) return close_session();
    std::lock_guard serialised(lifecycle);
    join_server();
}

void EmulatedDevice::Impl::join_server() {
    close_session();
    if (!server.joinable()) return;
    server.request_stop();
    server.join();
    server_id.store(std::thread::id{});
}

void EmulatedDevice::Impl::on_client_vanished() {
    end_session();
}

void EmulatedDevice::Impl::unplug() {
    {
        std::lock_guard lock(mutex);
        unplugged = true;
        fail_pending(-ENODEV);
        update_wake();
    }
    changed.notify_all();
    end_session();
}

void EmulatedDevice::Impl::device_write(ByteView data, std::uint64_t id) {
    {
        std::lock_guard lock(mutex);
        if (unplugged || !session_open || id != session)
            throw DeviceGoneError("the host closed the emulated device");
        DeviceMessage m;
        m.data.assign(data.begin(), data.end());
        m.zlp_after = !data.empty() && data.size() % spec.max_packet == 0;
        to_host.push_back(std::move(m));
        pump();
        update_wake();
    }
    changed.notify_all();
}

std::size_t EmulatedDevice::Impl::device_read(std::span<std::uint8_t> buf, Millis timeout,
                                              std::uint64_t id, std::stop_token stop) {
    std::unique_lock lock(mutex);
    auto gone = [&] { return unplugged || !session_open || id != session; };
    auto ready = [&] {
        return gone() || stop.stop_requested() || to_device_offset < to_device.size();
    };
    changed.wait_for(lock, timeout, ready);
    if (gone() || stop.stop_requested())
        throw DeviceGoneError("the host closed the emulated device");
    std::size_t n = std::min(buf.size(), to_device.size() - to_device_offset);
    std::memcpy(buf.data(), to_device.data() + to_device_offset, n);
    to_device_offset += n;
    if (to_device_offset == to_device.size()) {
        to_device.clear();
        to_device_offset = 0;
    }
    return n;
}

gboolean EmulatedDevice::Impl::on_ioctl(UMockdevIoctlClient* client) {
    gulong req = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    long ret = 0;
    int err = 0;
    auto fail = [&](int e) {
        ret = -1;
        err = e;
    };
    bool gone;
    {
        std::lock_guard lock(mutex);
        gone = unplugged;
    }
    switch (req) {
        case USBDEVFS_GET_CAPABILITIES: {
            UMockdevIoctlData* d = resolve(arg, 0, 4);
            std::uint32_t caps = USBDEVFS_CAP_BULK_SCATTER_GATHER |
                                 USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_ZERO_PACKET |
                                 USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
            std::memcpy(d->data, &caps, 4);
            break;
        }
        case USBDEVFS_CLAIMINTERFACE:
        case USBDEVFS_DISCONNECT_CLAIM:
            if (gone)
                fail(ENODEV);
            else
                start_session();
            break;
        case USBDEVFS_RELEASEINTERFACE:
            end_session();
            if (gone) fail(ENODEV);
            break;
        case USBDEVFS_SETINTERFACE:
        case USBDEVFS_CLEAR_HALT:
        case USBDEVFS_RESETEP:
        case USBDEVFS_RESET:
            if (gone) fail(ENODEV);
            break;
        case USBDEVFS_IOCTL:
        case USBDEVFS_GETDRIVER:  // no kernel driver bound
            fail(gone ? ENODEV : ENODATA);
            break;
        case USBDEVFS_SUBMITURB:
        case USBDEVFS_REAPURB:
        case USBDEVFS_REAPURBNDELAY:
        case USBDEVFS_DISCARDURB:
        case USBDEVFS_BULK:
        case USBDEVFS_CONTROL:
            return handle_transfer_ioctl(client, req, arg);
        default:
            spdlog::debug("emulated {}: unhandled ioctl 0x{:x}", spec.usb_path, req);
            fail(ENOTTY);
    }
    umockdev_ioctl_client_complete(client, ret, err);
    return TRUE;
}

}  // namespace cr::usbtest
