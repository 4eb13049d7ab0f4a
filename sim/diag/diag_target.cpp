// DIAG command dispatch of the virtual module: identity, masks, NV, SPC, CONTROL, EDL switch.
#include "sim/diag/diag_target.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "sim/diag/nv_item_rules.hpp"

namespace cr::sim {
namespace {

using namespace cr::diag;

constexpr std::size_t kErrorEchoMax = 16;

std::uint32_t mobile_model_id(const ModelSpec& m) {
    return m.vendor == Vendor::ublox ? 4680 : (m.storage == StorageKind::ufs ? 24655 : 2318);
}

Bytes fixed(std::string_view s, std::size_t n) {
    Bytes b(n, 0);
    std::copy_n(s.begin(), std::min(n, s.size()), b.begin());
    return b;
}

// Clears an access pointer when the request it belongs to ends.
class ScopedAccess {
  public:
    ScopedAccess(SharedEfs::Access*& slot, SharedEfs::Access& access) : slot_(slot) {
        slot_ = &access;
    }
    ~ScopedAccess() { slot_ = nullptr; }
    ScopedAccess(const ScopedAccess&) = delete;
    ScopedAccess& operator=(const ScopedAccess&) = delete;

  private:
    SharedEfs::Access*& slot_;
};

}  // namespace

Bytes diag_error_reply(std::uint8_t code, ByteView request) {
    ByteWriter w;
    w.u8(code).bytes(request.first(std::min(request.size(), kErrorEchoMax)));
    return w.take();
}

DiagTarget::DiagTarget(VirtualModule& module)
    : module_(module),
      // u-blox SARA-R4 firmware serves EFS2 on the alternate subsystem only (exercises probing)
      efs_subsys_(module.model().vendor == Vendor::ublox ? efs::kSubsysAlternate
                                                         : efs::kSubsysPrimary),
      shared_(module),
      masks_(diag_runtime(module.state()).masks) {}

void DiagTarget::update_runtime(const std::function<void(DiagRuntime&)>& change) {
    module_.update([&](ModuleState& s) {
        DiagRuntime r = diag_runtime(s);
        change(r);
        set_diag_runtime(s, r);
    });
}

std::uint32_t DiagTarget::clock_now() {
    return static_cast<std::uint32_t>(std::time(nullptr));
}

bool DiagTarget::account_write(std::uint64_t bytes) {
    if (unsynced_ + bytes > kUnsyncedWriteLimit) return false;
    unsynced_ += bytes;
    if (!marked_pending_) {
        update_runtime([](DiagRuntime& r) { r.pending_reset = true; });
        marked_pending_ = true;
    }
    return true;
}

DiagTarget::Reply DiagTarget::handle(ByteView req) {
    SharedEfs::Access access = shared_.access();  // one request at a time across sessions
    ScopedAccess scope(access_, access);
    return dispatch(req);
}

DiagTarget::Reply DiagTarget::dispatch(ByteView req) {
    if (req.empty()) return {diag_error_reply(kBadLen, req)};
    DiagMasks before = masks_.masks();
    if (auto reply = masks_.handle(req)) {
        if (!(masks_.masks() == before))
            update_runtime([&](DiagRuntime& r) { r.masks = masks_.masks(); });
        return {std::move(*reply)};
    }
    switch (req[0]) {
        case kVerno:
        case kExtBuildId:
        case kEsn:
            if (req.size() != 1) return {diag_error_reply(kBadLen, req)};
            return {identity(req[0])};
        case kStatus:
            return {ByteWriter().u8(kStatus).zeros(32).take()};
        case kFeatureQuery: {
            Bytes mask{0xFF, 0xFF, 0x3F, 0x0B, 0x00, 0x81, 0x00, 0x00};
            return {ByteWriter().u8(kFeatureQuery).u16(8).bytes(mask).take()};
        }
        case kNvRead:
        case kNvWrite:
            return {nv_read_write(req, false)};
        case kSpc:
            return {spc(req)};
        case kPassword: {
            if (req.size() != 9) return {diag_error_reply(kBadLen, req)};
            Bytes good{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE};
            bool ok = std::equal(good.begin(), good.end(), req.begin() + 1);
            return {Bytes{kPassword, static_cast<std::uint8_t>(ok ? 1 : 0)}};
        }
        case kControl:
            return control(req);
        case kSubsys:
            return handle_subsys(req);
        default:
            return {diag_error_reply(kBadCmd, req)};
    }
}

// VERNO, EXT_BUILD_ID and ESN replies from the module's identity. The ESN is NV 0 when the EFS
// holds one (a restore may have written it), else the unit's factory ESN.
Bytes DiagTarget::identity(std::uint8_t cmd) {
    const ModelSpec& model = module_.model();
    const ModuleState state = module_.state();
    ByteWriter w;
    if (cmd == kEsn) {
        std::uint32_t esn = state.serial;
        if (const EfsNode* nv0 = efs_now().tree().find("/nvm/num/0"); nv0 && nv0->data.size() >= 4)
            esn = load_le32(nv0->data.data());
        return w.u8(kEsn).u32(esn).take();
    }
    if (cmd == kExtBuildId) {
        w.u8(kExtBuildId).u8(2).u16(0).u32(model.msm_hw_id);
        w.u32(mobile_model_id(model)).cstring(state.firmware).cstring(model.product);
        return w.take();
    }
    w.u8(kVerno).bytes(fixed("Mar 14 2024", 11)).bytes(fixed("10:21:07", 8));
    w.bytes(fixed("Mar 14 2024", 11)).bytes(fixed("10:21:07", 8));
    w.bytes(fixed(state.firmware, 8)).u8(0).u8(6).u8(0xFF).u16(0x0100).u8(8).u8(1).u8(0);
    return w.take();
}

DiagTarget::Reply DiagTarget::handle_subsys(ByteView req) {
    if (req.size() < 4) return {diag_error_reply(kBadLen, req)};
    std::uint8_t ss = req[1];
    std::uint16_t code = req[2] | (req[3] << 8);
    if (ss == 0x65 && code == 0x0001) {  // EDL switch: echo, then reboot into EDL
        module_.update([](ModuleState& s) {
            s.mode = Mode::edl;
            s.firehose_running = false;
        });
        return {Bytes(req.begin(), req.end()), After::close_port};
    }
    if (ss == 0x30 && (code == 1 || code == 2)) return {nv_read_write(req, true)};
    if (ss == efs_subsys_) return {efs(req)};
    return {diag_error_reply(kBadCmd, req)};
}

Bytes DiagTarget::nv_read_write(ByteView req, bool ext) {
    std::size_t header = ext ? 8 : 3;
    if (req.size() != header + 128 + 2) return diag_error_reply(kBadLen, req);
    bool write = ext ? req[2] == 2 : req[0] == kNvWrite;
    std::uint16_t item = req[ext ? 4 : 1] | (req[ext ? 5 : 2] << 8);
    std::uint16_t sub = ext ? (req[6] | (req[7] << 8)) : 0;
    if (sub > 2) return diag_error_reply(kBadParm, req);
    if (nv_spc_protected(item) && !diag_runtime(module_.state()).spc_unlocked)
        return diag_error_reply(kBadSpcMode, req);
    if (!write && nv_write_only(item)) return diag_error_reply(kBadParm, req);
    Bytes reply(req.begin(), req.end());
    auto set_status = [&](std::uint16_t st) {
        reply[reply.size() - 2] = st & 0xFF;
        reply[reply.size() - 1] = st >> 8;
    };
    std::string path = nv_item_path(item, sub);
    std::uint8_t* data = reply.data() + header;
    const EfsNode* old = efs_now().tree().find(path);
    if (write) {
        ByteView value(req.data() + header, 128);
        // Stored at the item's own size: trailing zero padding is not part of the item.
        std::size_t len = nv_item_size(item);
        if (len == 0) {
            len = 128;
            while (len > 1 && value[len - 1] == 0) --len;
            if (old && old->data.size() <= 128) len = std::max(len, old->data.size());
        }
        if (!account_write(128)) {
            set_status(3);  // FULL: EFS needs a sync
            return reply;
        }
        auto r = efs_now().put_file(path, value.first(len), EfsNode::Type::item, true, clock_now());
        set_status(r == SharedEfs::Result::ok ? 0 : r == SharedEfs::Result::full ? 3 : 4);
        return reply;
    }
    std::fill(data, data + 128, 0);
    if (!old || old->type == EfsNode::Type::dir) {
        set_status(5);  // NOTACTIVE
        return reply;
    }
    std::copy_n(old->data.begin(), std::min<std::size_t>(128, old->data.size()), data);
    set_status(0);
    return reply;
}

Bytes DiagTarget::spc(ByteView req) {
    if (req.size() != 7) return diag_error_reply(kBadLen, req);
    std::string code(as_chars(req.subspan(1)));
    DiagRuntime r = diag_runtime(module_.state());
    const EfsNode* stored = efs_now().tree().find("/nvm/num/85");
    std::string want = stored ? std::string(as_chars(stored->data)).substr(0, 6) : "000000";
    bool ok = r.spc_failures < kSpcLockoutAttempts && code == want;
    update_runtime([&](DiagRuntime& rt) {
        if (ok) {
            rt.spc_unlocked = true;
        } else {
            ++rt.spc_failures;
        }
    });
    return {kSpc, static_cast<std::uint8_t>(ok ? 1 : 0)};
}

DiagTarget::Reply DiagTarget::control(ByteView req) {
    if (req.size() != 3) return {diag_error_reply(kBadLen, req)};
    std::uint16_t mode = req[1] | (req[2] << 8);
    Bytes echo(req.begin(), req.end());
    switch (mode) {
        case 0:
        case 1:
            update_runtime([](DiagRuntime& r) { r.offline = true; });
            return {echo};
        case 2:
        case 6:
            update_runtime([](DiagRuntime& r) { r = DiagRuntime{}; });  // a reboot clears all
            return {echo, After::close_port};
        case 4:
            if (diag_runtime(module_.state()).offline) return {diag_error_reply(kBadMode, req)};
            return {echo};
        case 3:
        case 5:
            return {echo};
        default:
            return {diag_error_reply(kBadParm, req)};
    }
}

}  // namespace cr::sim
