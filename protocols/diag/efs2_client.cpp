#include "protocols/diag/efs2_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace cr::diag {
namespace {

constexpr std::size_t kMaxWholeFile = 64u << 20;  // bound on read_file of a lying target
constexpr int kMaxWalkDepth = 32;

std::string join(std::string_view dir, std::string_view name) {
    std::string p(dir);
    if (p.empty() || p.back() != '/') p += '/';
    return p + std::string(name);
}

std::int32_t errno_of(ByteReader& r) {
    return r.i32();
}

// Runs `body`, then `release` (close a file or directory handle) whether or not body threw.
// When body threw, a failing release is dropped: the first error is the one that explains.
template <typename Body, typename Release>
void then_release(Body&& body, Release&& release) {
    try {
        body();
    } catch (...) {
        try {
            release();
        } catch (const Error&) {
        }
        throw;
    }
    release();
}

}  // namespace

Bytes Efs2Client::request_bytes(std::uint16_t cmd, ByteView body) const {
    return ByteWriter().u8(kSubsys).u8(subsys_).u16(cmd).bytes(body).take();
}

Bytes Efs2Client::call(std::uint16_t cmd, ByteView body, std::string_view name) {
    Bytes reply = diag_.request(request_bytes(cmd, body), fmt::format("EFS2 {}", name));
    if (reply.size() < 4) throw DecodeError(fmt::format("EFS2 {} reply is truncated", name));
    return reply;
}

void Efs2Client::hello() {
    ByteWriter w;
    for (int i = 0; i < 6; ++i) w.u32(0x100000);
    w.u32(1).u32(1).u32(1).u32(0xFFFFFFFF);
    Bytes body = w.take();
    for (std::uint8_t ss : {efs::kSubsysPrimary, efs::kSubsysAlternate}) {
        subsys_ = ss;
        try {
            Bytes reply = call(efs::kHello, body, "HELLO");
            ByteReader r(ByteView(reply).subspan(4), "EFS2 HELLO reply");
            r.skip(40);
            hello_done_ = true;
            spdlog::debug("EFS2 on subsystem 0x{:02X}", ss);
            return;
        } catch (const DiagCommandError& e) {
            if (e.code() != kBadCmd && e.code() != kBadParm && e.code() != kBadLen) throw;
            spdlog::debug("EFS2 subsystem 0x{:02X} refused ({})", ss, e.what());
        }
    }
    throw ProtocolError(
        "the module offers no EFS2 service over DIAG (subsystems 0x13 and 0x3E "
        "both refused)",
        "the module is running; nothing was changed",
        "use a raw efs2 partition backup over EDL instead");
}

void Efs2Client::ensure_hello() {
    if (!hello_done_) hello();
}

EfsQuery Efs2Client::query() {
    ensure_hello();
    Bytes reply = call(efs::kQuery, {}, "QUERY");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 QUERY reply");
    EfsQuery q;
    q.max_name = r.i32();
    q.max_path = r.i32();
    q.max_link_depth = r.i32();
    q.max_file_size = r.i32();
    q.max_dir_entries = r.i32();
    q.max_mounts = r.i32();
    return q;
}

std::int32_t Efs2Client::open(std::string_view path, std::int32_t oflag, std::int32_t mode) {
    ensure_hello();
    Bytes reply = call(efs::kOpen, ByteWriter().i32(oflag).i32(mode).cstring(path).take(), "OPEN");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 OPEN reply");
    std::int32_t fd = r.i32();
    std::int32_t err = errno_of(r);
    if (err != 0) throw EfsError(err, "OPEN", std::string(path));
    if (fd < 0) throw DecodeError(fmt::format("EFS2 OPEN {} returned fd {}", path, fd));
    return fd;
}

void Efs2Client::close(std::int32_t fd) {
    Bytes reply = call(efs::kClose, ByteWriter().i32(fd).take(), "CLOSE");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 CLOSE reply");
    if (std::int32_t err = errno_of(r)) throw EfsError(err, "CLOSE", fmt::format("fd {}", fd));
}

Bytes Efs2Client::read(std::int32_t fd, std::uint32_t offset, std::uint32_t count) {
    if (count > efs::kMaxRead) count = efs::kMaxRead;
    Bytes reply = call(efs::kRead, ByteWriter().i32(fd).u32(count).u32(offset).take(), "READ");
    std::int32_t err = 0;
    Bytes data = decode_read(reply, &err);
    if (err != 0) throw EfsError(err, "READ", fmt::format("fd {} @{}", fd, offset));
    if (data.size() > count)
        throw DecodeError(
            fmt::format("EFS2 READ returned {} bytes for a {}-byte request", data.size(), count));
    return data;
}

std::uint32_t Efs2Client::write(std::int32_t fd, std::uint32_t offset, ByteView data) {
    Bytes reply = call(efs::kWrite, ByteWriter().i32(fd).u32(offset).bytes(data).take(), "WRITE");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 WRITE reply");
    r.i32();
    r.u32();
    std::int32_t written = r.i32();
    std::int32_t err = errno_of(r);
    if (err != 0) throw EfsError(err, "WRITE", fmt::format("fd {} @{}", fd, offset));
    if (written < 0 || static_cast<std::size_t>(written) > data.size())
        throw DecodeError(fmt::format("EFS2 WRITE reports {} of {} bytes", written, data.size()));
    return static_cast<std::uint32_t>(written);
}

std::uint32_t Efs2Client::opendir(std::string_view path) {
    ensure_hello();
    Bytes reply = call(efs::kOpendir, ByteWriter().cstring(path).take(), "OPENDIR");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 OPENDIR reply");
    std::uint32_t dirp = r.u32();
    if (std::int32_t err = errno_of(r)) throw EfsError(err, "OPENDIR", std::string(path));
    return dirp;
}

std::optional<EfsDirEntry> Efs2Client::readdir(std::uint32_t dirp, std::int32_t seq) {
    Bytes reply = call(efs::kReaddir, ByteWriter().u32(dirp).i32(seq).take(), "READDIR");
    EfsDirEntry e = decode_readdir(reply);
    if (e.name.empty()) return std::nullopt;  // the end of the listing
    return e;
}

void Efs2Client::closedir(std::uint32_t dirp) {
    Bytes reply = call(efs::kClosedir, ByteWriter().u32(dirp).take(), "CLOSEDIR");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 CLOSEDIR reply");
    if (std::int32_t err = errno_of(r)) throw EfsError(err, "CLOSEDIR", fmt::format("{}", dirp));
}

EfsStat Efs2Client::stat(std::string_view path) {
    ensure_hello();
    try {
        return decode_stat(call(efs::kStat, ByteWriter().cstring(path).take(), "STAT"));
    } catch (const EfsError& e) {
        throw EfsError(e.err(), "STAT", std::string(path));
    }
}

EfsStat Efs2Client::lstat(std::string_view path) {
    ensure_hello();
    try {
        return decode_stat(call(efs::kLstat, ByteWriter().cstring(path).take(), "LSTAT"));
    } catch (const EfsError& e) {
        throw EfsError(e.err(), "LSTAT", std::string(path));
    }
}

std::optional<EfsStat> Efs2Client::try_stat(std::string_view path) {
    try {
        return stat(path);
    } catch (const EfsError& e) {
        if (e.err() == efs::kEnoent) return std::nullopt;
        throw;
    }
}

namespace {
void check_errno_only(const Bytes& reply, const char* op, std::string_view path) {
    ByteReader r(ByteView(reply).subspan(4), fmt::format("EFS2 {} reply", op));
    if (std::int32_t err = r.i32()) throw EfsError(err, op, std::string(path));
}
}  // namespace

void Efs2Client::mkdir(std::string_view path, std::int16_t mode) {
    ensure_hello();
    check_errno_only(call(efs::kMkdir, ByteWriter().i16(mode).cstring(path).take(), "MKDIR"),
                     "MKDIR", path);
}

void Efs2Client::unlink(std::string_view path) {
    ensure_hello();
    check_errno_only(call(efs::kUnlink, ByteWriter().cstring(path).take(), "UNLINK"), "UNLINK",
                     path);
}

void Efs2Client::rmdir(std::string_view path) {
    ensure_hello();
    check_errno_only(call(efs::kRmdir, ByteWriter().cstring(path).take(), "RMDIR"), "RMDIR", path);
}

Bytes Efs2Client::get_request(std::string_view path, std::uint32_t max_len) {
    ++seq_;
    return ByteWriter()
        .u32(max_len)
        .u32(static_cast<std::uint32_t>(path.size() + 1))
        .u16(seq_)
        .cstring(path)
        .take();
}

namespace {
// The GET reply's data after its checks: errno (to err), sequence number, length.
Bytes checked_get(ByteView reply, std::uint16_t seq, std::uint32_t max_len, std::string_view path,
                  std::int32_t& err) {
    std::uint16_t got_seq = 0;
    Bytes data = decode_get(reply, &err, &got_seq);
    if (got_seq != seq)
        throw DecodeError(
            fmt::format("EFS2 GET {}: the reply is for request {}, not {}", path, got_seq, seq),
            "the module is fine; replies arrived out of order",
            "retry with --pipeline 1 (one request at a time)");
    if (data.size() > max_len)
        throw DecodeError(fmt::format("EFS2 GET {} returned {} bytes, asked for at most {}", path,
                                      data.size(), max_len));
    return data;
}
}  // namespace

Bytes Efs2Client::get(std::string_view path, std::uint32_t max_len) {
    ensure_hello();
    Bytes body = get_request(path, max_len);
    std::int32_t err = 0;
    Bytes data = checked_get(call(efs::kGet, body, "GET"), seq_, max_len, path, err);
    if (err != 0) throw EfsError(err, "GET", std::string(path));
    return data;
}

void Efs2Client::put(std::string_view path, ByteView data, std::int32_t flags) {
    ensure_hello();
    ++seq_;
    Bytes body = ByteWriter()
                     .u32(static_cast<std::uint32_t>(data.size()))
                     .u32(static_cast<std::uint32_t>(flags))
                     .u16(seq_)
                     .bytes(data)
                     .cstring(path)
                     .take();
    Bytes reply = call(efs::kPut, body, "PUT");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 PUT reply");
    r.u16();
    if (std::int32_t err = r.i32()) throw EfsError(err, "PUT", std::string(path));
}

void Efs2Client::sync(std::string_view path) {
    ensure_hello();
    ++seq_;
    Bytes reply = call(efs::kSyncNoWait, ByteWriter().u16(seq_).cstring(path).take(), "SYNC");
    ByteReader r(ByteView(reply).subspan(4), "EFS2 SYNC_NO_WAIT reply");
    r.u16();
    std::uint32_t token = r.u32();
    if (std::int32_t err = r.i32()) throw EfsError(err, "SYNC", std::string(path));
    for (int attempt = 0; attempt < 200; ++attempt) {
        ++seq_;
        Bytes st = call(efs::kSyncGetStatus, ByteWriter().u16(seq_).u32(token).cstring(path).take(),
                        "SYNC_GET_STATUS");
        ByteReader s(ByteView(st).subspan(4), "EFS2 SYNC_GET_STATUS reply");
        s.u16();
        std::uint8_t done = s.u8();
        if (std::int32_t err = s.i32()) throw EfsError(err, "SYNC_GET_STATUS", std::string(path));
        if (done) return;
    }
    throw TimeoutError("EFS2 sync did not complete after 200 status polls",
                       "the module is still writing its file system",
                       "wait a few seconds and sync again; do not reset it yet");
}

std::vector<EfsDirEntry> Efs2Client::list(std::string_view dir) {
    std::uint32_t dirp = opendir(dir);
    std::vector<EfsDirEntry> out;
    then_release(
        [&] {
            for (std::int32_t seq = 1;; ++seq) {
                auto e = readdir(dirp, seq);
                if (!e) break;
                out.push_back(std::move(*e));
                if (out.size() > 100000)
                    throw DecodeError(fmt::format("EFS2 listing of {} does not end", dir));
            }
        },
        [&] { closedir(dirp); });
    return out;
}

Bytes Efs2Client::read_span(std::int32_t fd, std::uint32_t size) {
    std::vector<Bytes> requests;
    for (std::uint32_t offset = 0; offset < size; offset += efs::kMaxRead) {
        std::uint32_t count = std::min(efs::kMaxRead, size - offset);
        requests.push_back(
            request_bytes(efs::kRead, ByteWriter().i32(fd).u32(count).u32(offset).take()));
    }
    Bytes out;
    bool ended = false;  // a short READ: the file is shorter than READDIR said
    diag_.request_pipelined(requests, "EFS2 READ", [&](std::size_t i, Bytes& reply) {
        if (ended) return;
        auto offset = static_cast<std::uint32_t>(i * efs::kMaxRead);
        std::uint32_t count = std::min(efs::kMaxRead, size - offset);
        std::int32_t err = 0;
        std::uint32_t reply_offset = 0;
        Bytes data = decode_read(reply, &err, &reply_offset);
        if (err != 0) throw EfsError(err, "READ", fmt::format("fd {} @{}", fd, offset));
        if (reply_offset != offset || data.size() > count)
            throw DecodeError(fmt::format("EFS2 READ @{}: the reply carries {} bytes @{}", offset,
                                          data.size(), reply_offset));
        out.insert(out.end(), data.begin(), data.end());
        ended = data.size() < count;
    });
    return out;
}

Bytes Efs2Client::read_opened(std::string_view path, std::optional<std::uint32_t> size_hint) {
    std::int32_t fd = open(path, efs::O_RDONLY_);
    Bytes out;
    then_release(
        [&] {
            if (size_hint) {
                if (*size_hint > kMaxWholeFile)
                    throw DecodeError(
                        fmt::format("EFS2 says {} holds {} bytes: more than any "
                                    "module's EFS ({} MiB)",
                                    path, *size_hint, kMaxWholeFile >> 20));
                out = read_span(fd, *size_hint);
                return;
            }
            while (out.size() < kMaxWholeFile) {  // size unknown: until a short READ
                Bytes chunk = read(fd, static_cast<std::uint32_t>(out.size()), efs::kMaxRead);
                out.insert(out.end(), chunk.begin(), chunk.end());
                if (chunk.size() < efs::kMaxRead) break;
            }
        },
        [&] { close(fd); });
    return out;
}

Bytes Efs2Client::read_file(std::string_view path, std::optional<std::uint32_t> size_hint) {
    if (size_hint && *size_hint <= efs::kMaxGet) {
        try {
            return get(path);
        } catch (const EfsError& e) {
            if (e.err() == efs::kEnoent) throw;
            spdlog::debug("GET {} refused ({}); reading it with OPEN/READ", path, e.what());
        }
    }
    return read_opened(path, size_hint);
}

void Efs2Client::get_files(std::span<const EfsFileToRead> files, std::span<EfsFileRead> out,
                           std::vector<bool>& refused, const std::function<void()>& one_done) {
    std::vector<Bytes> requests;
    std::vector<std::uint16_t> seqs;
    for (const auto& f : files) {
        requests.push_back(request_bytes(efs::kGet, get_request(f.path, efs::kMaxGet)));
        seqs.push_back(seq_);
    }
    refused.assign(files.size(), false);
    diag_.request_pipelined(requests, "EFS2 GET", [&](std::size_t i, Bytes& reply) {
        std::int32_t err = 0;
        out[i].data = checked_get(reply, seqs[i], efs::kMaxGet, files[i].path, err);
        out[i].err = err == efs::kEnoent ? err : 0;
        refused[i] = err != 0 && err != efs::kEnoent;
        if (refused[i])
            spdlog::debug("GET {} refused ({}); reading it with OPEN/READ", files[i].path,
                          efs_errno_name(err));
        else
            one_done();
    });
}

std::vector<EfsFileRead> Efs2Client::read_files(std::span<const EfsFileToRead> files,
                                                const std::function<void(std::size_t)>& progress) {
    ensure_hello();
    std::vector<EfsFileRead> out(files.size());
    std::size_t done = 0;
    auto one_done = [&] {
        if (progress) progress(++done);
    };
    auto read_one = [&](std::size_t i) {
        try {
            out[i].data = read_opened(files[i].path, files[i].size_hint);
        } catch (const EfsError& e) {
            out[i].err = e.err();
        }
        one_done();
    };
    for (std::size_t i = 0; i < files.size();) {
        std::size_t end = i;
        while (end < files.size() && files[end].size_hint <= efs::kMaxGet) ++end;
        if (end == i) {
            read_one(i++);
            continue;
        }
        std::vector<bool> refused;
        get_files(files.subspan(i, end - i), std::span(out).subspan(i, end - i), refused, one_done);
        for (std::size_t k = 0; k < refused.size(); ++k)
            if (refused[k]) read_one(i + k);
        i = end;
    }
    return out;
}

void Efs2Client::write_file(std::string_view path, ByteView data, std::int32_t mode) {
    std::int32_t fd =
        open(path, efs::O_WRONLY_ | efs::O_CREAT_ | efs::O_TRUNC_ | efs::O_AUTODIR_, mode);
    then_release(
        [&] {
            std::size_t off = 0;
            while (off < data.size()) {
                std::size_t n = std::min<std::size_t>(efs::kMaxRead, data.size() - off);
                std::uint32_t w = write(fd, static_cast<std::uint32_t>(off), data.subspan(off, n));
                if (w == 0)
                    throw ProtocolError(
                        fmt::format("EFS2 WRITE {} made no progress at {}", path, off));
                off += w;
            }
        },
        [&] { close(fd); });
}

namespace {
void walk_dir(Efs2Client& c, const std::string& dir, int depth,
              const std::function<bool(const EfsWalkEntry&)>& visit) {
    if (depth > kMaxWalkDepth)
        throw DecodeError(fmt::format("EFS2 tree deeper than {} levels at {}", kMaxWalkDepth, dir));
    for (auto& e : c.list(dir)) {
        EfsWalkEntry w{join(dir, e.name), e};
        bool descend = visit(w);
        if (e.is_dir() && descend) walk_dir(c, w.path, depth + 1, visit);
    }
}
}  // namespace

void Efs2Client::walk(std::string_view root,
                      const std::function<bool(const EfsWalkEntry&)>& visit) {
    walk_dir(*this, std::string(root), 0, visit);
}

}  // namespace cr::diag
