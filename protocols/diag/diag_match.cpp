#include "protocols/diag/diag_match.hpp"

#include <algorithm>
#include <cstring>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"

namespace cr::diag {
namespace {

constexpr std::size_t kErrorEchoCompared = 16;
constexpr std::uint8_t kNvSubsys = 0x30;

// Bytes [at, at+n) of a and [bt, bt+n) of b agree; true when either is too short (the decoder
// reports the truncation).
bool same_field(ByteView a, std::size_t at, ByteView b, std::size_t bt, std::size_t n) {
    if (a.size() < at + n || b.size() < bt + n) return true;
    return std::memcmp(a.data() + at, b.data() + bt, n) == 0;
}

std::int32_t i32_at(ByteView v, std::size_t at) {
    return static_cast<std::int32_t>(v[at] | (v[at + 1] << 8) | (v[at + 2] << 16) |
                                     (static_cast<std::uint32_t>(v[at + 3]) << 24));
}

bool efs_fields_agree(std::uint16_t cmd, ByteView req, ByteView rep) {
    switch (cmd) {
        case efs::kRead: {
            if (!same_field(req, 4, rep, 4, 4)) return false;
            bool ok = rep.size() >= 20 && i32_at(rep, 16) == 0;  // error replies garble offset
            return !ok || same_field(req, 12, rep, 8, 4);
        }
        case efs::kWrite:
            return same_field(req, 4, rep, 4, 8);
        case efs::kGet:
            return same_field(req, 12, rep, 12, 2);
        case efs::kPut:
            return same_field(req, 12, rep, 4, 2);
        case efs::kSyncNoWait:
        case efs::kSyncGetStatus:
            return same_field(req, 4, rep, 4, 2);
        default:
            return true;
    }
}

bool subsys_answers(ByteView req, ByteView rep) {
    std::size_t n = std::min<std::size_t>(req.size(), 4);
    if (rep.size() < n || !std::equal(req.begin() + 1, req.begin() + n, rep.begin() + 1))
        return false;
    if (req.size() < 4) return true;
    std::uint8_t ss = req[1];
    std::uint16_t cmd = static_cast<std::uint16_t>(req[2] | (req[3] << 8));
    if (ss == kNvSubsys && (cmd == 1 || cmd == 2)) return same_field(req, 4, rep, 4, 4);
    if (ss == efs::kSubsysPrimary || ss == efs::kSubsysAlternate)
        return efs_fields_agree(cmd, req, rep);
    return true;
}

}  // namespace

bool reply_answers(ByteView req, ByteView rep) {
    if (req.empty() || rep.empty()) return false;
    if (is_error_reply(rep[0]) && rep[0] != req[0]) {
        ByteView echo = rep.subspan(1);
        std::size_t n = std::min({echo.size(), req.size(), kErrorEchoCompared});
        return n > 0 && std::equal(echo.begin(), echo.begin() + static_cast<long>(n), req.begin());
    }
    if (rep[0] != req[0]) return false;
    switch (req[0]) {
        case kSubsys:
            return subsys_answers(req, rep);
        case kNvRead:
        case kNvWrite:
        case kControl:
            return same_field(req, 1, rep, 1, 2);
        case kEvent:
            return rep.size() < 3 || (rep[1] == 0 && rep[2] == 0);
        default:
            return true;
    }
}

bool is_unsolicited_frame(ByteView frame) {
    if (frame.empty()) return false;
    if (frame[0] == kLog || frame[0] == kExtMsg) return true;
    return frame[0] == kEvent && frame.size() >= 3 && (frame[1] != 0 || frame[2] != 0);
}

}  // namespace cr::diag
