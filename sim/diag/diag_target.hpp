// The virtual module's DIAG service: answers one request payload at a time (HDLC framing is
// the port's job). One DiagTarget serves one port connection, but the module's state is one:
// every request works on the EFS as the efs2 partition holds it at that moment and journals
// its changes there before it is answered (efs_journal.hpp), so `sim serve`, `-d sim:`
// commands and raw efs2 writes over Firehose all see each other at once.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/diag/diag_masks.hpp"
#include "sim/diag/efs_journal.hpp"
#include "sim/diag/efs_store.hpp"
#include "src/util/bytes.hpp"

namespace cr::sim {

// Writes beyond this many bytes since the last SYNC answer ENOSPC (EFS2 is log-structured).
constexpr std::uint64_t kUnsyncedWriteLimit = 2u << 20;
// Wrong SPC attempts after which the module refuses every SPC until it is reset.
constexpr int kSpcLockoutAttempts = 3;

class DiagTarget {
  public:
    explicit DiagTarget(VirtualModule& module);
    DiagTarget(const DiagTarget&) = delete;
    DiagTarget& operator=(const DiagTarget&) = delete;

    // What the port does after sending the reply.
    enum class After { nothing, close_port };
    struct Reply {
        Bytes payload;
        After after = After::nothing;
    };
    Reply handle(ByteView request);

    // Which unsolicited frames the host asked for (none until it sets a mask).
    const DiagMasks& masks() const { return masks_.masks(); }

  private:
    struct OpenFile {
        std::string path;
        bool writable = false;
    };
    struct OpenDir {
        std::vector<std::string> names;
        std::string path;
    };
    // EFS2 HELLO parameters: the target's, narrowed by what hosts asked for.
    struct HelloParams {
        std::array<std::uint32_t, 6> windows{0x100000, 0x100000, 0x100000,
                                             0x100000, 0x100000, 0x100000};
        std::uint32_t version = 1, min_version = 1, max_version = 1, features = 0;
    };

    Reply dispatch(ByteView request);
    Reply handle_subsys(ByteView request);
    Bytes identity(std::uint8_t cmd);
    Bytes nv_read_write(ByteView request, bool ext);
    Bytes spc(ByteView request);
    Reply control(ByteView request);
    Bytes efs(ByteView request);
    Bytes efs_hello(ByteReader& r);
    Bytes efs_file_op(std::uint16_t cmd, ByteReader& r);
    Bytes efs_write(ByteReader& r);
    Bytes efs_dir_op(std::uint16_t cmd, ByteReader& r);
    Bytes efs_item_op(std::uint16_t cmd, ByteReader& r);
    Bytes efs_path_op(std::uint16_t cmd, ByteReader& r);
    // Counts a modification against the unsynced allowance and marks a reset as pending.
    // false (ENOSPC / NV FULL) when the allowance is used up.
    bool account_write(std::uint64_t bytes);
    // The module's clock for file times: a write stamps the file, as a real EFS does, so a
    // restored file carries the time it was written back (factory files keep theirs).
    static std::uint32_t clock_now();
    void update_runtime(const std::function<void(DiagRuntime&)>& change);
    SharedEfs::Access& efs_now() { return *access_; }

    VirtualModule& module_;
    std::uint8_t efs_subsys_;
    SharedEfs shared_;
    SharedEfs::Access* access_ = nullptr;  // the current request's (set by handle)
    MaskCommands masks_;
    HelloParams hello_;
    bool marked_pending_ = false;
    std::uint64_t unsynced_ = 0;
    std::map<std::int32_t, OpenFile> files_;
    std::map<std::uint32_t, OpenDir> dirs_;
    std::int32_t next_fd_ = 3;
    std::uint32_t next_dir_ = 1;
    std::uint32_t sync_token_ = 0;
};

// An error reply: code followed by the (truncated) request, as real targets answer.
Bytes diag_error_reply(std::uint8_t code, ByteView request);

}  // namespace cr::sim
