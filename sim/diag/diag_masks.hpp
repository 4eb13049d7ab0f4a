// Log, event and message masks of the virtual module (PROTOCOLS.md §4): a module sends no
// unsolicited log (10), event (60) or message (79) frames until the host turns them on with
// LOG_CONFIG (73), EVENT_REPORT (60) / SET_EVENT_MASK (82) or EXT_MSG_CONFIG (7D). Third-party
// clients (QXDM, bkerler/edl's qc_diag) rely on a quiet port before they ask for anything.
//
// Request/reply layouts (little endian):
//   73 00 00 00 u32 op   op 0 disable all -> + u32 status
//                        op 1 ranges      -> + u32 status, u32 last_item[16]
//                        op 3 set (u32 equip, u32 bits, mask) -> + u32 status, equip, bits, mask
//                        op 4 get (u32 equip) -> + u32 status, equip, bits, mask
//   60 u8 on                              -> 60 u16 0
//   81 00 u16 rsvd                        -> 81 u8 err u16 rsvd u16 bits mask
//   82 00 u16 rsvd u16 bits mask          -> 82 u8 err u16 rsvd u16 bits mask
//   7D 01                                 -> 7D 01 u8 status(1) u8 0 u32 count {u16 first,last}
//   7D 04 u16 first u16 last u16 rsvd u32 masks[last-first+1]
//                                         -> 7D 04 first last u8 status u8 rsvd masks
//   7D 05 u8 rsvd u32 mask                -> 7D 05 u8 status u8 rsvd u32 mask
#pragma once
#include <cstdint>
#include <map>
#include <optional>

#include "src/util/bytes.hpp"

namespace cr::sim {

struct DiagMasks {
    bool logs = false;      // some log mask bit set
    bool events = false;    // event reporting on
    bool messages = false;  // some message mask set
    bool any() const { return logs || events || messages; }
    bool operator==(const DiagMasks&) const = default;
};

class MaskCommands {
  public:
    explicit MaskCommands(DiagMasks masks) : masks_(masks) {}
    // The reply to a mask command, or nullopt when `request` is not one (73, 60, 81, 82, 7D).
    // Malformed requests get the error reply a target sends (BAD_LEN / BAD_PARM).
    std::optional<Bytes> handle(ByteView request);
    const DiagMasks& masks() const { return masks_; }

  private:
    Bytes log_config(ByteView request);
    Bytes event_mask(ByteView request);
    Bytes msg_config(ByteView request);
    DiagMasks masks_;
    std::map<std::uint32_t, Bytes> log_masks_;  // per equipment id, as set
    Bytes event_mask_;
};

}  // namespace cr::sim
