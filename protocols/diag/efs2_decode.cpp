// Pure decoders of EFS2 replies and errno names (PROTOCOLS.md §4).
#include <fmt/format.h>

#include "protocols/diag/efs2_client.hpp"

namespace cr::diag {

std::string efs_errno_name(std::int32_t err) {
    switch (err) {
        case 0:
            return "OK";
        case efs::kEnoent:
            return "ENOENT (no such file or directory)";
        case efs::kEbadf:
            return "EBADF (bad file descriptor)";
        case efs::kEexist:
            return "EEXIST (already exists)";
        case efs::kEnotdir:
            return "ENOTDIR (a path component is not a directory)";
        case efs::kEisdir:
            return "EISDIR (is a directory)";
        case efs::kEinval:
            return "EINVAL (invalid argument)";
        case efs::kEfbig:
            return "EFBIG (too large for this operation)";
        case efs::kEnospc:
            return "ENOSPC (no space: EFS2 needs a sync)";
        case efs::kEnametoolong:
            return "ENAMETOOLONG (path too long)";
        case efs::kEnotempty:
            return "ENOTEMPTY (directory not empty)";
        default:
            return fmt::format("errno {}", err);
    }
}

EfsError::EfsError(std::int32_t err, const std::string& operation, const std::string& path)
    : ProtocolError(fmt::format("EFS2 {} {}: {}", operation, path, efs_errno_name(err)),
                    "the module is running; its EFS is unchanged by this failed step",
                    err == efs::kEnospc
                        ? "sync the file system (EFS2 SYNC) between long write phases"
                        : "check the path (`cellrescue diag efs ls`)"),
      err_(err) {}

namespace {

ByteReader body_of(ByteView reply, std::uint16_t cmd, const char* what) {
    if (reply.size() < 4 || reply[0] != kSubsys ||
        (reply[1] != efs::kSubsysPrimary && reply[1] != efs::kSubsysAlternate))
        throw DecodeError(fmt::format("{} reply is not an EFS2 subsystem reply", what));
    std::uint16_t got = reply[2] | (reply[3] << 8);
    if (got != cmd) throw DecodeError(fmt::format("{} reply carries EFS2 command {}", what, got));
    return ByteReader(reply.subspan(4), std::string(what) + " reply");
}

}  // namespace

EfsDirEntry decode_readdir(ByteView reply, std::int32_t* seq_out) {
    ByteReader r = body_of(reply, efs::kReaddir, "READDIR");
    EfsDirEntry e;
    r.u32();  // dirp
    std::int32_t seq = r.i32();
    std::int32_t err = r.i32();
    e.type = r.i32();
    e.mode = r.i32();
    e.size = r.i32();
    e.atime = r.i32();
    e.mtime = r.i32();
    e.ctime = r.i32();
    e.name = r.cstring();
    if (seq_out) *seq_out = seq;
    if (err != 0) throw EfsError(err, "READDIR", fmt::format("(entry {})", seq));
    if (e.size < 0 || e.type < 0 || e.type > 3)
        throw DecodeError(fmt::format("READDIR entry '{}' has an absurd type {} / size {}", e.name,
                                      e.type, e.size));
    if (e.name.find('/') != std::string::npos || e.name == "." || e.name == "..")
        throw DecodeError(fmt::format("READDIR returned a hostile entry name '{}'", e.name));
    return e;
}

EfsStat decode_stat(ByteView reply) {
    std::uint16_t cmd = reply.size() >= 4 ? (reply[2] | (reply[3] << 8)) : 0;
    if (cmd != efs::kStat && cmd != efs::kLstat && cmd != efs::kFstat) cmd = efs::kStat;
    ByteReader r = body_of(reply, cmd, "STAT");
    std::int32_t err = r.i32();
    EfsStat s;
    s.mode = r.i32();
    s.size = r.i32();
    s.nlink = r.i32();
    s.atime = r.i32();
    s.mtime = r.i32();
    s.ctime = r.i32();
    if (err != 0) throw EfsError(err, "STAT", "");
    if (s.size < 0) throw DecodeError(fmt::format("STAT reports an absurd size {}", s.size));
    return s;
}

Bytes decode_read(ByteView reply, std::int32_t* err_out, std::uint32_t* offset_out) {
    ByteReader r = body_of(reply, efs::kRead, "READ");
    r.i32();  // fd
    std::uint32_t offset = r.u32();
    if (offset_out) *offset_out = offset;
    std::int32_t n = r.i32();
    std::int32_t err = r.i32();
    if (err_out) *err_out = err;
    if (err != 0) return {};
    if (n < 0 || static_cast<std::size_t>(n) != r.remaining() || n > 64 * 1024)
        throw DecodeError(
            fmt::format("READ reply claims {} bytes but carries {}", n, r.remaining()));
    auto data = r.bytes(static_cast<std::size_t>(n));
    return Bytes(data.begin(), data.end());
}

Bytes decode_get(ByteView reply, std::int32_t* err_out, std::uint16_t* seq_out) {
    ByteReader r = body_of(reply, efs::kGet, "GET");
    std::int32_t n = r.i32();
    std::int32_t err = r.i32();
    std::uint16_t seq = r.u16();
    if (seq_out) *seq_out = seq;
    if (err_out) *err_out = err;
    if (err != 0) return {};
    if (n < 0 || static_cast<std::size_t>(n) != r.remaining())
        throw DecodeError(
            fmt::format("GET reply claims {} bytes but carries {}", n, r.remaining()));
    auto data = r.bytes(static_cast<std::size_t>(n));
    return Bytes(data.begin(), data.end());
}

}  // namespace cr::diag
