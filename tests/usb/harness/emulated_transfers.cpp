// Transfer ioctls of the emulated usbfs device: asynchronous URBs (libusb) and the synchronous
// USBDEVFS_BULK/CONTROL that older tools such as Debian's qdl use.
#include <linux/usbdevice_fs.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "tests/usb/harness/emulated_device.hpp"

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

// Longest a synchronous BULK IN blocks the umockdev thread when the caller asked "forever".
constexpr Millis kMaxSyncWait{10000};

}  // namespace

int EmulatedDevice::Impl::control_in(const std::uint8_t* setup, std::uint8_t* data,
                                     std::size_t max) {
    unsigned wlength = setup[6] | (setup[7] << 8);
    if (setup[0] != 0x80 || setup[1] != 6) return -1;  // only GET_DESCRIPTOR (device to host)
    Bytes d;
    if (setup[3] == 1) {
        d = descriptor_bytes(spec);
        d.resize(18);
    } else if (setup[3] == 2) {
        d = descriptor_bytes(spec);
        d.erase(d.begin(), d.begin() + 18);
    } else if (setup[3] == 3) {
        d = string_descriptor(spec, setup[2]);
    }
    if (d.empty()) return -1;
    std::size_t n = std::min({d.size(), static_cast<std::size_t>(wlength), max});
    std::memcpy(data, d.data(), n);
    return static_cast<int>(n);
}

gboolean EmulatedDevice::Impl::handle_transfer_ioctl(UMockdevIoctlClient* client, unsigned long req,
                                                     UMockdevIoctlData* arg) {
    long ret = 0;
    int err = 0;
    auto fail = [&](int e) {
        ret = -1;
        err = e;
    };
    bool need_session = false;
    {
        std::lock_guard lock(mutex);
        need_session =
            !session_open && !unplugged && (req == USBDEVFS_SUBMITURB || req == USBDEVFS_BULK);
    }
    if (need_session) start_session();  // a host that moves data without claiming first

    std::unique_lock lock(mutex);
    switch (req) {
        case USBDEVFS_SUBMITURB: {
            if (unplugged) {
                fail(ENODEV);
                break;
            }
            UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_urb));
            auto* urb = reinterpret_cast<usbdevfs_urb*>(d->data);
            bool ctrl = urb->type == USBDEVFS_URB_TYPE_CONTROL;
            if (ctrl ? urb->buffer_length < 8 : urb->type != USBDEVFS_URB_TYPE_BULK) {
                fail(EINVAL);
                break;
            }
            PendingUrb u{static_cast<UMockdevIoctlData*>(g_object_ref(d)), nullptr};
            if (urb->buffer_length > 0)
                u.buf = static_cast<UMockdevIoctlData*>(
                    g_object_ref(resolve(d, offsetof(usbdevfs_urb, buffer), urb->buffer_length)));
            if (ctrl) {
                ++stats.control_transfers;
                int n = control_in(u.buf->data, u.buf->data + 8,
                                   static_cast<std::size_t>(urb->buffer_length) - 8);
                urb->status = n < 0 ? -EPIPE : 0;
                urb->actual_length = n < 0 ? 0 : n;
                reapable.push_back(u);
            } else if (urb->endpoint & 0x80) {
                pending_in.push_back(u);
            } else {
                std::size_t len = static_cast<std::size_t>(urb->buffer_length);
                if (len) to_device.insert(to_device.end(), u.buf->data, u.buf->data + len);
                ++stats.out_transfers;
                stats.out_bytes += len;
                stats.out_sizes.push_back(len);
                if (len == 0 || (urb->flags & USBDEVFS_URB_ZERO_PACKET)) ++stats.out_zlps;
                urb->actual_length = urb->buffer_length;
                urb->status = 0;
                reapable.push_back(u);
                changed.notify_all();
            }
            pump();
            break;
        }
        case USBDEVFS_REAPURB:
        case USBDEVFS_REAPURBNDELAY: {
            if (req == USBDEVFS_REAPURB)
                changed.wait_for(lock, kMaxSyncWait,
                                 [&] { return !reapable.empty() || unplugged; });
            if (reapable.empty()) {
                fail(unplugged ? ENODEV : EAGAIN);
                break;
            }
            UMockdevIoctlData* d = resolve(arg, 0, sizeof(void*));
            PendingUrb u = reapable.front();
            reapable.pop_front();
            umockdev_ioctl_data_set_ptr(d, 0, u.urb);  // *arg = the client's URB
            g_object_unref(u.urb);
            if (u.buf) g_object_unref(u.buf);
            break;
        }
        case USBDEVFS_DISCARDURB: {  // cancel (libusb timeout)
            gulong addr = *reinterpret_cast<gulong*>(arg->data);
            fail(EINVAL);
            for (auto it = pending_in.begin(); it != pending_in.end(); ++it) {
                if (it->urb->client_addr != addr) continue;
                reinterpret_cast<usbdevfs_urb*>(it->urb->data)->status = -ENOENT;
                reapable.push_back(*it);
                pending_in.erase(it);
                ret = 0;
                err = 0;
                break;
            }
            break;
        }
        case USBDEVFS_BULK: {
            if (unplugged) {
                fail(ENODEV);
                break;
            }
            UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_bulktransfer));
            auto* bt = reinterpret_cast<usbdevfs_bulktransfer*>(d->data);
            UMockdevIoctlData* buf =
                bt->len ? resolve(d, offsetof(usbdevfs_bulktransfer, data), bt->len) : nullptr;
            if (!(bt->ep & 0x80)) {
                if (bt->len) to_device.insert(to_device.end(), buf->data, buf->data + bt->len);
                ++stats.out_transfers;
                stats.out_bytes += bt->len;
                stats.out_sizes.push_back(bt->len);
                if (bt->len == 0) ++stats.out_zlps;
                ret = bt->len;
                changed.notify_all();
                break;
            }
            Millis wait = bt->timeout ? Millis(bt->timeout) : kMaxSyncWait;
            changed.wait_for(lock, std::min(wait, kMaxSyncWait),
                             [&] { return !to_host.empty() || unplugged; });
            if (unplugged)
                fail(ENODEV);
            else if (to_host.empty())
                fail(ETIMEDOUT);
            else {
                ret = static_cast<long>(
                    take_message_into(buf ? buf->data : nullptr, buf ? bt->len : 0));
                ++stats.in_transfers;
                stats.in_bytes += static_cast<std::uint64_t>(ret);
            }
            break;
        }
        case USBDEVFS_CONTROL: {
            if (unplugged) {
                fail(ENODEV);
                break;
            }
            UMockdevIoctlData* d = resolve(arg, 0, sizeof(usbdevfs_ctrltransfer));
            auto* ct = reinterpret_cast<usbdevfs_ctrltransfer*>(d->data);
            UMockdevIoctlData* buf =
                ct->wLength ? resolve(d, offsetof(usbdevfs_ctrltransfer, data), ct->wLength)
                            : nullptr;
            std::uint8_t setup[8] = {ct->bRequestType,
                                     ct->bRequest,
                                     static_cast<std::uint8_t>(ct->wValue & 0xff),
                                     static_cast<std::uint8_t>(ct->wValue >> 8),
                                     static_cast<std::uint8_t>(ct->wIndex & 0xff),
                                     static_cast<std::uint8_t>(ct->wIndex >> 8),
                                     static_cast<std::uint8_t>(ct->wLength & 0xff),
                                     static_cast<std::uint8_t>(ct->wLength >> 8)};
            ++stats.control_transfers;
            int n = buf ? control_in(setup, buf->data, ct->wLength) : -1;
            if (n < 0)
                fail(EPIPE);
            else
                ret = n;
            break;
        }
    }
    update_wake();
    lock.unlock();
    umockdev_ioctl_client_complete(client, ret, err);
    return TRUE;
}

}  // namespace cr::usbtest
