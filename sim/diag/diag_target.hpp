// The virtual module's DIAG service: answers one request payload at a time (HDLC framing is
// the port's job). One session = one DIAG port connection: the EFS is loaded from the efs2
// partition when the session starts and written back on SYNC, RESET, EDL switch and when the
// session ends (not per write).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
    ~DiagTarget();  // writes back unsaved changes
    DiagTarget(const DiagTarget&) = delete;
    DiagTarget& operator=(const DiagTarget&) = delete;

    // What the port does after sending the reply.
    enum class After { nothing, close_port };
    struct Reply {
        Bytes payload;
        After after = After::nothing;
    };
    Reply handle(ByteView request);

    // Persists the EFS if it changed.
    void write_back();

  private:
    struct OpenFile {
        std::string path;
        bool writable = false;
    };
    struct OpenDir {
        std::vector<std::string> names;
        std::string path;
    };

    Reply handle_subsys(ByteView request);
    Bytes nv_read_write(ByteView request, bool ext);
    Bytes spc(ByteView request);
    Reply control(ByteView request);
    Bytes efs(ByteView request);
    Bytes efs_file_op(std::uint16_t cmd, ByteReader& r);
    Bytes efs_dir_op(std::uint16_t cmd, ByteReader& r);
    Bytes efs_item_op(std::uint16_t cmd, ByteReader& r);
    Bytes efs_path_op(std::uint16_t cmd, ByteReader& r);
    // Records a modification: dirty, pending reset, unsynced bytes. Returns false (ENOSPC)
    // when the unsynced limit or the partition capacity would be exceeded.
    bool account_write(std::uint64_t bytes);
    // The module's clock for file times: a write stamps the file, as a real EFS does, so a
    // restored file carries the time it was written back (factory files keep theirs).
    static std::uint32_t clock_now();
    void update_runtime(const std::function<void(DiagRuntime&)>& change);

    VirtualModule& module_;
    std::uint8_t efs_subsys_;
    EfsTree tree_;
    bool dirty_ = false;
    bool marked_pending_ = false;
    std::uint64_t capacity_;      // efs2 partition bytes
    std::uint64_t stored_bytes_;  // estimated image size (overwrites count again: log-like)
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
