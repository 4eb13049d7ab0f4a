#include "tests/pcie/pcie_harness.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <glib.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <umockdev.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "sim/pcie/bhi_target.hpp"
#include "sim/ports.hpp"
#include "src/util/error.hpp"

namespace cr::pcietest {
namespace {

// umockdev_testbed_get_root_dir is transfer-full: the string is ours to free.
std::string root_dir_of(UMockdevTestbed* testbed) {
    gchar* dir = umockdev_testbed_get_root_dir(testbed);
    std::string out(dir);
    g_free(dir);
    return out;
}

constexpr std::size_t kDeviceBuffer = 4 << 20;  // the driver's queue towards the module

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

void add_record(UMockdevTestbed* tb, const std::string& name) {
    std::string rec = fmt::format(
        "P: /devices/pci0000:00/0000:00:1c.0/0000:01:00.0/mhi_q/{0}\nN: {0}\n"
        "E: DEVNAME=/dev/{0}\nE: SUBSYSTEM=mhi_q\nE: DRIVER=pcie_mhi\n",
        name);
    GError* e = nullptr;
    if (!umockdev_testbed_add_from_string(tb, rec.c_str(), &e)) {
        std::string msg = e ? e->message : "?";
        if (e) g_error_free(e);
        throw std::runtime_error("umockdev add: " + msg);
    }
}

std::string syspath_of(const std::string& name) {
    return "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/mhi_q/" + name;
}

// A byte-stream char node (mhi_DIAG, mhi_EDL): host read/write come in through umockdev, a
// virtual port serves the module side on its own thread.
class StreamNode {
  public:
    using Serve = void (*)(sim::VirtualModule&, Transport&, std::stop_token);
    StreamNode(UMockdevTestbed* tb, std::shared_ptr<sim::VirtualModule> module, std::string name,
               Serve serve)
        : tb_(tb), module_(std::move(module)), name_(std::move(name)), serve_(serve) {
        add_record(tb_, name_);
        UMockdevIoctlBase* h = umockdev_ioctl_base_new();
        g_signal_connect(h, "handle-read",
                         G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient* c, gpointer s) {
                             return static_cast<StreamNode*>(s)->on_read(c);
                         }),
                         this);
        g_signal_connect(h, "handle-write",
                         G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient* c, gpointer s) {
                             return static_cast<StreamNode*>(s)->on_write(c);
                         }),
                         this);
        g_signal_connect(h, "handle-ioctl",
                         G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient* c, gpointer) {
                             umockdev_ioctl_client_complete(c, -1, ENOTTY);  // not a tty
                             return gboolean(TRUE);
                         }),
                         nullptr);
        g_signal_connect(h, "client-vanished",
                         G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient*, gpointer s) {
                             static_cast<StreamNode*>(s)->new_session();
                         }),
                         this);
        GError* e = nullptr;
        std::string dev = "/dev/" + name_;
        if (!umockdev_testbed_attach_ioctl(tb_, dev.c_str(), h, &e)) {
            std::string msg = e ? e->message : "?";
            if (e) g_error_free(e);
            g_object_unref(h);
            throw std::runtime_error("umockdev attach_ioctl: " + msg);
        }
        g_object_unref(h);
        // poll(2) goes to the real file: a FIFO holding one byte while data waits for the host.
        node_ = root_dir_of(tb_) + dev;
        ::unlink(node_.c_str());
        ::mkfifo(node_.c_str(), 0666);
        wake_fd_ = ::open(node_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        server_ = std::jthread([this](std::stop_token stop) { serve_loop(stop); });
    }

    ~StreamNode() { remove(); }

    // The node goes away (link reset, mode change): the host's fds fail with ENODEV.
    void remove() {
        {
            std::lock_guard lock(mutex_);
            if (gone_) return;
            gone_ = true;
            if (pending_write_) {
                umockdev_ioctl_client_complete(pending_write_, -1, ENODEV);
                g_object_unref(pending_write_);
                pending_write_ = nullptr;
            }
            set_wake(true);  // a poller wakes and its read reports ENODEV
        }
        changed_.notify_all();
        server_.request_stop();
        if (server_.joinable()) server_.join();
        std::string dev = "/dev/" + name_;
        umockdev_testbed_detach_ioctl(tb_, dev.c_str(), nullptr);
        umockdev_testbed_remove_device(tb_, syspath_of(name_).c_str());
        ::unlink(node_.c_str());
        if (wake_fd_ >= 0) ::close(wake_fd_);
        wake_fd_ = -1;
    }

    std::uint64_t bytes_in() const {
        std::lock_guard lock(mutex_);
        return bytes_in_;
    }

  private:
    class Bridge : public Transport {
      public:
        Bridge(StreamNode& n, std::uint64_t session, std::stop_token stop)
            : n_(n), session_(session), stop_(std::move(stop)) {}
        void write(ByteView data, Millis) override { n_.device_write(data, session_); }
        std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
            return n_.device_read(buf, timeout, session_, stop_);
        }
        std::size_t max_transfer_size() const override { return 1 << 20; }
        void close() override {}
        std::string description() const override { return n_.name_ + " (module side)"; }

      private:
        StreamNode& n_;
        std::uint64_t session_;
        std::stop_token stop_;
    };

    void serve_loop(std::stop_token stop) {
        while (!stop.stop_requested()) {
            std::uint64_t id;
            {
                std::lock_guard lock(mutex_);
                id = session_;
            }
            Bridge port(*this, id, stop);
            try {
                serve_(*module_, port, stop);
            } catch (const std::exception& e) {
                spdlog::debug("emulated {}: server ended: {}", name_, e.what());
            }
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, Millis(50), [&] { return stop.stop_requested() || gone_; });
        }
    }

    // The host closed its fd: the next open starts a fresh conversation.
    void new_session() {
        {
            std::lock_guard lock(mutex_);
            ++session_;
            to_host_.clear();
            to_device_.clear();
            set_wake(false);
        }
        changed_.notify_all();
    }

    void set_wake(bool readable) {
        if (wake_fd_ < 0) return;
        std::uint8_t b[64];
        while (::read(wake_fd_, b, sizeof b) > 0) {
        }
        if (readable) (void)!::write(wake_fd_, "x", 1);
    }

    void device_write(ByteView data, std::uint64_t id) {
        {
            std::lock_guard lock(mutex_);
            if (gone_ || id != session_) throw DeviceGoneError(name_ + ": host side gone");
            to_host_.insert(to_host_.end(), data.begin(), data.end());
            set_wake(true);
        }
        changed_.notify_all();
    }

    std::size_t device_read(std::span<std::uint8_t> buf, Millis timeout, std::uint64_t id,
                            std::stop_token stop) {
        std::unique_lock lock(mutex_);
        auto off = [&] { return gone_ || id != session_ || stop.stop_requested(); };
        changed_.wait_for(lock, timeout, [&] { return off() || !to_device_.empty(); });
        if (off()) throw DeviceGoneError(name_ + ": host side gone");
        std::size_t n = std::min(buf.size(), to_device_.size());
        std::copy_n(to_device_.begin(), n, buf.begin());
        to_device_.erase(to_device_.begin(), to_device_.begin() + static_cast<std::ptrdiff_t>(n));
        if (pending_write_ && to_device_.size() < kDeviceBuffer) accept_pending();
        return n;
    }

    // Takes a write that waited for room (the driver blocks a writer when its queue is full).
    void accept_pending() {
        UMockdevIoctlData* d = umockdev_ioctl_client_get_arg(pending_write_);
        to_device_.insert(to_device_.end(), d->data, d->data + d->data_len);
        bytes_in_ += static_cast<std::uint64_t>(d->data_len);
        umockdev_ioctl_client_complete(pending_write_, d->data_len, 0);
        g_object_unref(pending_write_);
        pending_write_ = nullptr;
    }

    gboolean on_read(UMockdevIoctlClient* c) {
        std::lock_guard lock(mutex_);
        UMockdevIoctlData* d = umockdev_ioctl_client_get_arg(c);
        if (gone_) {
            umockdev_ioctl_client_complete(c, -1, ENODEV);
            return TRUE;
        }
        if (to_host_.empty()) {
            umockdev_ioctl_client_complete(c, -1, EAGAIN);  // the host opened O_NONBLOCK
            return TRUE;
        }
        std::size_t n = std::min(static_cast<std::size_t>(d->data_len), to_host_.size());
        Bytes chunk(to_host_.begin(), to_host_.begin() + static_cast<std::ptrdiff_t>(n));
        to_host_.erase(to_host_.begin(), to_host_.begin() + static_cast<std::ptrdiff_t>(n));
        umockdev_ioctl_data_update(d, 0, chunk.data(), static_cast<gint>(n));
        if (to_host_.empty()) set_wake(false);
        umockdev_ioctl_client_complete(c, static_cast<glong>(n), 0);
        return TRUE;
    }

    gboolean on_write(UMockdevIoctlClient* c) {
        {
            std::lock_guard lock(mutex_);
            if (gone_) {
                umockdev_ioctl_client_complete(c, -1, ENODEV);
                return TRUE;
            }
            pending_write_ = G_TYPE_CHECK_INSTANCE_CAST(g_object_ref(c), UMOCKDEV_TYPE_IOCTL_CLIENT,
                                                        UMockdevIoctlClient);
            if (to_device_.size() < kDeviceBuffer) accept_pending();
        }
        changed_.notify_all();
        return TRUE;
    }

    UMockdevTestbed* tb_;
    std::shared_ptr<sim::VirtualModule> module_;
    std::string name_;
    Serve serve_;
    std::string node_;
    int wake_fd_ = -1;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::uint8_t> to_host_, to_device_;
    UMockdevIoctlClient* pending_write_ = nullptr;
    std::uint64_t session_ = 1;
    std::uint64_t bytes_in_ = 0;
    bool gone_ = false;
    std::jthread server_;
};

// /dev/mhi_BHI: the two ioctls through sim::BhiTarget, the caller's memory read as the
// driver's copy_from_user does (size first, then the whole buffer).
class BhiNodeEmu {
  public:
    BhiNodeEmu(UMockdevTestbed* tb, std::shared_ptr<sim::VirtualModule> module,
               mhi::HostLayout layout)
        : tb_(tb), target_(std::move(module), layout) {
        add_record(tb_, "mhi_BHI");
        UMockdevIoctlBase* h = umockdev_ioctl_base_new();
        g_signal_connect(h, "handle-ioctl",
                         G_CALLBACK(+[](UMockdevIoctlBase*, UMockdevIoctlClient* c, gpointer s) {
                             return static_cast<BhiNodeEmu*>(s)->on_ioctl(c);
                         }),
                         this);
        GError* e = nullptr;
        if (!umockdev_testbed_attach_ioctl(tb_, "/dev/mhi_BHI", h, &e)) {
            std::string msg = e ? e->message : "?";
            if (e) g_error_free(e);
            g_object_unref(h);
            throw std::runtime_error("umockdev attach_ioctl: " + msg);
        }
        g_object_unref(h);
    }
    ~BhiNodeEmu() { remove(); }
    void remove() {
        if (gone_.exchange(true)) return;
        umockdev_testbed_detach_ioctl(tb_, "/dev/mhi_BHI", nullptr);
        umockdev_testbed_remove_device(tb_, syspath_of("mhi_BHI").c_str());
    }

  private:
    gboolean on_ioctl(UMockdevIoctlClient* c) {
        gulong req = umockdev_ioctl_client_get_request(c);
        UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(c);
        int err = ENOTTY;
        if (gone_) {
            err = ENODEV;
        } else if (req == mhi::kIoctlGetDevInfo) {
            Bytes info;
            err = target_.get_device_info(info);
            if (err == 0) {
                UMockdevIoctlData* d = resolve(arg, 0, info.size());
                if (!d)
                    err = EFAULT;
                else
                    umockdev_ioctl_data_update(d, 0, info.data(), static_cast<gint>(info.size()));
            }
        } else if (req == mhi::kIoctlWriteImage) {
            err = target_.write_image([&](std::size_t n) { return copy_from_user(arg, n); });
        }
        umockdev_ioctl_client_complete(c, err ? -1 : 0, err);
        return TRUE;
    }

    // The first n bytes the ioctl argument points to. umockdev resolves a pointer once per
    // offset, so a longer second read grows the resolved block and reloads it.
    static Bytes copy_from_user(UMockdevIoctlData* arg, std::size_t n) {
        UMockdevIoctlData* d = resolve(arg, 0, n);
        if (!d) return {};
        if (static_cast<std::size_t>(d->data_len) < n) {
            g_free(d->data);
            d->data = static_cast<guint8*>(g_malloc0(n));
            d->data_len = static_cast<gint>(n);
            GError* e = nullptr;
            umockdev_ioctl_data_reload(d, &e);
            if (e) {
                g_error_free(e);
                return {};
            }
        }
        return Bytes(d->data, d->data + n);
    }

    UMockdevTestbed* tb_;
    sim::BhiTarget target_;
    std::atomic<bool> gone_{false};
};

}  // namespace

struct PcieTestbed::Impl {
    UMockdevTestbed* testbed = nullptr;
    std::shared_ptr<sim::VirtualModule> module;
    std::unique_ptr<BhiNodeEmu> bhi;
    std::unique_ptr<StreamNode> diag, edl;
    // Removed nodes stay alive: a host fd still open on them keeps reaching their handlers
    // (which answer ENODEV) until the testbed goes.
    std::vector<std::unique_ptr<StreamNode>> graveyard;
    std::vector<std::unique_ptr<BhiNodeEmu>> bhi_graveyard;
    std::mutex mutex;

    void bury(std::unique_ptr<StreamNode>& node) {
        if (!node) return;
        node->remove();
        graveyard.push_back(std::move(node));
    }
    bool vanished = false;
    std::jthread watcher;

    // The driver's view of the module: DIAG while the firmware runs, EDL while a programmer
    // runs (checked every 20 ms, like the driver reacting to MHI state changes).
    void sync() {
        std::lock_guard lock(mutex);
        if (vanished || !module) return;
        bool want_diag = module->state().mode == sim::Mode::normal;
        bool want_edl = sim::BhiTarget::edl_node_present(*module);
        if (want_diag && !diag)
            diag = std::make_unique<StreamNode>(testbed, module, "mhi_DIAG", &sim::serve_diag);
        if (!want_diag && diag) bury(diag);
        if (want_edl && !edl)
            edl = std::make_unique<StreamNode>(testbed, module, "mhi_EDL", &sim::serve_edl);
        if (!want_edl && edl) bury(edl);
    }
};

PcieTestbed::PcieTestbed() : impl_(std::make_unique<Impl>()) {
    impl_->testbed = umockdev_testbed_new();
}

PcieTestbed::~PcieTestbed() {
    impl_->watcher = {};
    vanish();
    g_object_unref(impl_->testbed);
    impl_->graveyard.clear();
    impl_->bhi_graveyard.clear();
}

bool PcieTestbed::under_preload() {
    const char* p = std::getenv("LD_PRELOAD");
    return p && std::string_view(p).find("umockdev-preload") != std::string_view::npos;
}

std::string PcieTestbed::root_dir() const { return root_dir_of(impl_->testbed); }

void PcieTestbed::add_module(std::shared_ptr<sim::VirtualModule> module, mhi::HostLayout layout) {
    impl_->module = module;
    impl_->bhi = std::make_unique<BhiNodeEmu>(impl_->testbed, module, layout);
    impl_->sync();
    impl_->watcher = std::jthread([impl = impl_.get()](std::stop_token stop) {
        while (!stop.stop_requested()) {
            impl->sync();
            std::this_thread::sleep_for(Millis(20));
        }
    });
}

void PcieTestbed::vanish() {
    std::lock_guard lock(impl_->mutex);
    impl_->vanished = true;
    impl_->bury(impl_->edl);
    impl_->bury(impl_->diag);
    if (impl_->bhi) {
        impl_->bhi->remove();
        impl_->bhi_graveyard.push_back(std::move(impl_->bhi));
    }
}

std::uint64_t PcieTestbed::edl_bytes_in() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->edl ? impl_->edl->bytes_in() : 0;
}

}  // namespace cr::pcietest
