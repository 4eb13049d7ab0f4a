#include "sim/diag/diag_masks.hpp"

#include <algorithm>

#include "protocols/diag/diag_client.hpp"
#include "sim/diag/diag_target.hpp"

namespace cr::sim {
namespace {

using namespace cr::diag;

constexpr std::uint32_t kEquipIds = 16;
// Last log item per equipment id (0: none): what LOG_CONFIG op 1 reports.
constexpr std::uint32_t kLastItem[kEquipIds] = {0, 0x0A02, 0,      0, 0x0910, 0x0420, 0, 0x04FF, 0,
                                                0, 0x038A, 0x0201, 0, 0x01FF, 0,      0};
constexpr std::uint16_t kEventBits = 0x0B27;
// SSID ranges the message service knows.
constexpr std::uint16_t kSsidRanges[][2] = {{0, 120}, {500, 520}, {1000, 1080}, {2000, 2010}};

bool any_bit(ByteView mask) {
    return std::any_of(mask.begin(), mask.end(), [](std::uint8_t b) { return b != 0; });
}

}  // namespace

std::optional<Bytes> MaskCommands::handle(ByteView req) {
    if (req.empty()) return std::nullopt;
    switch (req[0]) {
        case kLogConfig:
            return log_config(req);
        case kEvent:
            if (req.size() != 2) return diag_error_reply(kBadLen, req);
            masks_.events = req[1] != 0;
            return ByteWriter().u8(kEvent).u16(0).take();
        case kEventMaskGet:
        case kEventMaskSet:
            return event_mask(req);
        case kExtMsgConfig:
            return msg_config(req);
        default:
            return std::nullopt;
    }
}

Bytes MaskCommands::log_config(ByteView req) {
    if (req.size() < 8) return diag_error_reply(kBadLen, req);
    ByteReader r(req.subspan(4), "LOG_CONFIG");
    std::uint32_t op = r.u32();
    ByteWriter w;
    w.bytes(req.first(8));
    switch (op) {
        case 0:
            if (req.size() != 8) return diag_error_reply(kBadLen, req);
            masks_.logs = false;
            log_masks_.clear();
            return w.u32(0).take();
        case 1:
            if (req.size() != 8) return diag_error_reply(kBadLen, req);
            w.u32(0);
            for (std::uint32_t last : kLastItem) w.u32(last);
            return w.take();
        case 3: {
            if (r.remaining() < 8) return diag_error_reply(kBadLen, req);
            std::uint32_t equip = r.u32();
            std::uint32_t bits = r.u32();
            if (equip >= kEquipIds) return w.u32(1).u32(equip).u32(0).take();
            std::uint32_t allowed = std::min(bits, kLastItem[equip] + 1);
            // 64-bit: a hostile bit count near 2^32 must not wrap to a short mask
            if (r.remaining() != (static_cast<std::uint64_t>(bits) + 7) / 8)
                return diag_error_reply(kBadLen, req);
            ByteView mask = r.rest().first((allowed + 7) / 8);
            log_masks_[equip].assign(mask.begin(), mask.end());
            masks_.logs = std::any_of(log_masks_.begin(), log_masks_.end(),
                                      [](const auto& m) { return any_bit(m.second); });
            return w.u32(0).u32(equip).u32(allowed).bytes(mask).take();
        }
        case 4: {
            if (r.remaining() != 4) return diag_error_reply(kBadLen, req);
            std::uint32_t equip = r.u32();
            if (equip >= kEquipIds) return w.u32(1).u32(equip).u32(0).take();
            std::uint32_t bits = kLastItem[equip] + 1;
            Bytes mask((bits + 7) / 8, 0);
            if (auto it = log_masks_.find(equip); it != log_masks_.end())
                std::copy_n(it->second.begin(), std::min(mask.size(), it->second.size()),
                            mask.begin());
            return w.u32(0).u32(equip).u32(bits).bytes(mask).take();
        }
        default:
            return diag_error_reply(kBadParm, req);
    }
}

Bytes MaskCommands::event_mask(ByteView req) {
    ByteWriter w;
    if (req[0] == kEventMaskGet) {
        if (req.size() != 4) return diag_error_reply(kBadLen, req);
        Bytes mask((kEventBits + 7) / 8, 0);
        std::copy_n(event_mask_.begin(), std::min(mask.size(), event_mask_.size()), mask.begin());
        return w.u8(kEventMaskGet).u8(0).u16(0).u16(kEventBits).bytes(mask).take();
    }
    if (req.size() < 6) return diag_error_reply(kBadLen, req);
    std::uint16_t bits = static_cast<std::uint16_t>(req[4] | (req[5] << 8));
    if (req.size() != 6u + (bits + 7u) / 8u) return diag_error_reply(kBadLen, req);
    ByteView mask = req.subspan(6);
    event_mask_.assign(mask.begin(), mask.end());
    masks_.events = any_bit(mask);
    return w.u8(kEventMaskSet).u8(0).u16(0).u16(bits).bytes(mask).take();
}

Bytes MaskCommands::msg_config(ByteView req) {
    if (req.size() < 2) return diag_error_reply(kBadLen, req);
    ByteWriter w;
    switch (req[1]) {
        case 1:
            if (req.size() != 2) return diag_error_reply(kBadLen, req);
            w.u8(kExtMsgConfig).u8(1).u8(1).u8(0).u32(std::size(kSsidRanges));
            for (const auto& range : kSsidRanges) w.u16(range[0]).u16(range[1]);
            return w.take();
        case 4: {
            if (req.size() < 8) return diag_error_reply(kBadLen, req);
            std::uint16_t first = static_cast<std::uint16_t>(req[2] | (req[3] << 8));
            std::uint16_t last = static_cast<std::uint16_t>(req[4] | (req[5] << 8));
            if (last < first) return diag_error_reply(kBadParm, req);
            if (req.size() != 8u + 4u * (last - first + 1u)) return diag_error_reply(kBadLen, req);
            ByteView masks = req.subspan(8);
            if (any_bit(masks)) masks_.messages = true;
            return w.bytes(req.first(6)).u8(1).u8(req[6]).bytes(masks).take();
        }
        case 5: {
            if (req.size() != 7) return diag_error_reply(kBadLen, req);
            ByteView mask = req.subspan(3, 4);
            masks_.messages = any_bit(mask);
            return w.u8(kExtMsgConfig).u8(5).u8(1).u8(req[2]).bytes(mask).take();
        }
        default:
            return diag_error_reply(kBadParm, req);
    }
}

}  // namespace cr::sim
