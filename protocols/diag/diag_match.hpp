// Is this reply the answer to that request? (PROTOCOLS.md §4). Pure, fuzzed.
//
// A reply answers a request when the command byte agrees (for 4B also the subsystem id and the
// u16 command), and the fields a reply echoes from its request agree too, so that a reply an
// earlier (aborted) request left on the line, or a reply to another request in flight, is not
// taken for this one:
//   26/27 NV_READ/NV_WRITE        item id                  (request 1..2, reply 1..2)
//   4B 30 01|02 00 NV_*_EXT       item id and context      (4..7, 4..7)
//   29 CONTROL                    mode                     (1..2, 1..2)
//   60 EVENT_REPORT               the answer's u16 length is 0 (an event report is not)
//   4B 13|3E EFS2 READ            fd; offset when errno 0  (fd 4, offset 12 / fd 4, offset 8)
//   4B 13|3E EFS2 WRITE           fd and offset            (4..11, 4..11)
//   4B 13|3E EFS2 GET             sequence number          (12..13, 12..13)
//   4B 13|3E EFS2 PUT             sequence number          (12..13, 4..5)
//   4B 13|3E EFS2 SYNC, SYNC_GET  sequence number          (4..5, 4..5)
// A reply too short to hold the field is left to its decoder (it says what is truncated).
// Error replies (13 14 15 16 18 42 47) echo the request: they answer it when the echoed bytes
// (up to 16) agree with the request's.
#pragma once
#include "src/util/bytes.hpp"

namespace cr::diag {

bool reply_answers(ByteView request, ByteView reply);

// True for frames a target sends without being asked: log (10), event (60 with a report
// body, not the 3-byte EVENT_REPORT answer), extended message (79).
bool is_unsolicited_frame(ByteView frame);

}  // namespace cr::diag
