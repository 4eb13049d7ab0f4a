// EFS2 over DIAG on the virtual module (PROTOCOLS.md §4 table): the session's in-memory tree.
#include <fmt/format.h>

#include <algorithm>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "sim/diag/diag_target.hpp"

namespace cr::sim {
namespace {

using namespace cr::diag;

constexpr std::size_t kMaxOpenFiles = 16;
constexpr std::int32_t kEmfile = 24;

std::int32_t type_bits(const EfsNode& n) {
    switch (n.type) {
        case EfsNode::Type::dir:
            return efs::S_IFDIR_;
        case EfsNode::Type::item:
            return efs::S_IFITM_;
        case EfsNode::Type::file:
            return efs::S_IFREG_;
    }
    return 0;
}

std::int32_t full_mode(const EfsNode& n) {
    return type_bits(n) | static_cast<std::int32_t>(n.mode & 07777);
}

// Reads "path\0" and normalises it; empty when invalid (answered EINVAL/ENOENT).
std::string read_path(ByteReader& r) {
    return normalize_efs_path(r.cstring());
}

}  // namespace

Bytes DiagTarget::efs(ByteView req) {
    std::uint16_t cmd = req[2] | (req[3] << 8);
    Bytes header(req.begin(), req.begin() + 4);
    ByteReader r(req.subspan(4), "EFS2 request");
    Bytes body;
    try {
        switch (cmd) {
            case efs::kHello:
                if (r.remaining() != 40) return diag_error_reply(kBadLen, req);
                body = efs_hello(r);
                break;
            case efs::kQuery:
                body = ByteWriter().i32(128).i32(1024).i32(4).i32(16 << 20).i32(1024).i32(4).take();
                break;
            case efs::kOpen:
            case efs::kClose:
            case efs::kRead:
            case efs::kFstat:
                body = efs_file_op(cmd, r);
                break;
            case efs::kWrite:
                body = efs_write(r);
                break;
            case efs::kOpendir:
            case efs::kReaddir:
            case efs::kClosedir:
                body = efs_dir_op(cmd, r);
                break;
            case efs::kPut:
            case efs::kGet:
            case efs::kSyncNoWait:
            case efs::kSyncGetStatus:
                body = efs_item_op(cmd, r);
                break;
            case efs::kStat:
            case efs::kLstat:
            case efs::kMkdir:
            case efs::kUnlink:
            case efs::kRmdir:
            case efs::kReadlink:
                body = efs_path_op(cmd, r);
                break;
            default:
                return diag_error_reply(kBadCmd, req);
        }
    } catch (const DecodeError&) {
        return diag_error_reply(kBadLen, req);  // truncated request
    }
    header.insert(header.end(), body.begin(), body.end());
    return header;
}

// The reply carries the target's own parameters; the host's request then narrows the windows
// and sets the version for later HELLOs, as real EFS2 diag handlers do. Closes every handle.
Bytes DiagTarget::efs_hello(ByteReader& r) {
    files_.clear();
    dirs_.clear();
    ByteWriter w;
    for (std::uint32_t win : hello_.windows) w.u32(win);
    w.u32(hello_.version).u32(hello_.min_version).u32(hello_.max_version).u32(hello_.features);
    for (auto& win : hello_.windows) win = std::min(win, r.u32());
    hello_.version = r.u32();
    hello_.min_version = r.u32();
    hello_.max_version = r.u32();
    hello_.features &= r.u32();
    return w.take();
}

Bytes DiagTarget::efs_file_op(std::uint16_t cmd, ByteReader& r) {
    ByteWriter w;
    const EfsTree& tree = efs_now().tree();
    if (cmd == efs::kOpen) {
        std::int32_t oflag = r.i32();
        std::int32_t mode = r.i32();
        std::string path = read_path(r);
        const EfsNode* n = path.empty() ? nullptr : tree.find(path);
        bool writable = (oflag & 3) != 0;
        std::int32_t err = 0;
        if (path.empty())
            err = efs::kEinval;
        else if (files_.size() >= kMaxOpenFiles)
            err = kEmfile;
        else if (n && n->type == EfsNode::Type::dir)
            err = efs::kEisdir;
        else if (!n && !(oflag & efs::O_CREAT_))
            err = efs::kEnoent;
        else if ((!n || (oflag & efs::O_TRUNC_)) && writable) {
            Bytes empty;
            auto type = (oflag & efs::O_ITEMFILE_) ? EfsNode::Type::item
                        : n                        ? n->type
                                                   : EfsNode::Type::file;
            std::optional<std::uint32_t> new_mode;
            if (!n) new_mode = static_cast<std::uint32_t>(mode & 07777);
            auto result = account_write(0) ? efs_now().put_file(path, empty, type,
                                                                (oflag & efs::O_AUTODIR_) != 0,
                                                                clock_now(), new_mode)
                                           : SharedEfs::Result::full;
            if (result == SharedEfs::Result::full)
                err = efs::kEnospc;
            else if (result == SharedEfs::Result::refused)
                err = efs::kEnoent;
        } else if (!n) {
            err = efs::kEnoent;
        }
        if (err) return w.i32(-1).i32(err).take();
        std::int32_t fd = next_fd_++;
        files_[fd] = {path, writable};
        return w.i32(fd).i32(0).take();
    }
    std::int32_t fd = r.i32();
    auto it = files_.find(fd);
    const EfsNode* n = it == files_.end() ? nullptr : tree.find(it->second.path);
    if (cmd == efs::kClose) {
        if (it == files_.end()) return w.i32(efs::kEbadf).take();
        files_.erase(it);
        return w.i32(0).take();
    }
    if (cmd == efs::kFstat) {
        if (!n) return w.i32(efs::kEbadf).zeros(24).take();
        return w.i32(0)
            .i32(full_mode(*n))
            .i32(static_cast<std::int32_t>(n->data.size()))
            .i32(1)
            .u32(n->mtime)
            .u32(n->mtime)
            .u32(n->mtime)
            .take();
    }
    if (cmd == efs::kRead) {
        std::uint32_t count = std::min<std::uint32_t>(r.u32(), efs::kMaxRead);
        std::uint32_t offset = r.u32();
        w.i32(fd).u32(offset);
        if (!n) return w.i32(-1).i32(efs::kEbadf).take();
        std::size_t avail = offset < n->data.size() ? n->data.size() - offset : 0;
        std::size_t len = std::min<std::size_t>(count, avail);
        w.i32(static_cast<std::int32_t>(len)).i32(0);
        return w.bytes(ByteView(n->data).subspan(offset < n->data.size() ? offset : 0, len)).take();
    }
    return {};  // not reached: efs() dispatches WRITE to efs_write
}

Bytes DiagTarget::efs_write(ByteReader& r) {
    ByteWriter w;
    std::int32_t fd = r.i32();
    std::uint32_t offset = r.u32();
    ByteView data = r.rest();
    w.i32(fd).u32(offset);
    auto it = files_.find(fd);
    const EfsNode* n = it == files_.end() ? nullptr : efs_now().tree().find(it->second.path);
    if (!n || !it->second.writable) return w.i32(-1).i32(efs::kEbadf).take();
    if (offset > (16u << 20)) return w.i32(-1).i32(efs::kEfbig).take();
    if (!account_write(data.size()) ||
        efs_now().write(it->second.path, offset, data, clock_now()) != SharedEfs::Result::ok)
        return w.i32(-1).i32(efs::kEnospc).take();
    return w.i32(static_cast<std::int32_t>(data.size())).i32(0).take();
}

Bytes DiagTarget::efs_dir_op(std::uint16_t cmd, ByteReader& r) {
    ByteWriter w;
    const EfsTree& tree = efs_now().tree();
    if (cmd == efs::kOpendir) {
        std::string path = read_path(r);
        const EfsNode* n = path.empty() ? nullptr : tree.find(path);
        if (!n) return w.u32(0).i32(efs::kEnoent).take();
        if (n->type != EfsNode::Type::dir) return w.u32(0).i32(efs::kEnotdir).take();
        std::uint32_t dirp = next_dir_++;
        dirs_[dirp] = {tree.children(path), path};
        return w.u32(dirp).i32(0).take();
    }
    std::uint32_t dirp = r.u32();
    auto it = dirs_.find(dirp);
    if (cmd == efs::kClosedir) {
        if (it == dirs_.end()) return w.i32(efs::kEbadf).take();
        dirs_.erase(it);
        return w.i32(0).take();
    }
    std::int32_t seq = r.i32();
    w.u32(dirp).i32(seq);
    if (it == dirs_.end()) return w.i32(efs::kEbadf).zeros(24).u8(0).take();
    const auto& names = it->second.names;
    // seq counts from 1; past the last entry the listing ends with an empty name.
    for (std::size_t i = seq >= 1 ? static_cast<std::size_t>(seq - 1) : names.size();
         i < names.size(); ++i) {
        std::string full = (it->second.path == "/" ? "" : it->second.path) + "/" + names[i];
        const EfsNode* n = tree.find(full);
        if (!n) break;  // removed since OPENDIR: the listing stops short, like a real target
        std::int32_t type = n->type == EfsNode::Type::dir ? 1 : 0;
        return w.i32(0)
            .i32(type)
            .i32(full_mode(*n))
            .i32(static_cast<std::int32_t>(n->data.size()))
            .u32(n->mtime)
            .u32(n->mtime)
            .u32(n->mtime)
            .cstring(names[i])
            .take();
    }
    return w.i32(0).zeros(24).u8(0).take();
}

Bytes DiagTarget::efs_item_op(std::uint16_t cmd, ByteReader& r) {
    ByteWriter w;
    const EfsTree& tree = efs_now().tree();
    if (cmd == efs::kPut) {
        std::uint32_t len = r.u32();
        std::int32_t flags = r.i32();
        std::uint16_t seq = r.u16();
        if (len > r.remaining()) throw DecodeError("PUT data shorter than announced");
        ByteView data = r.bytes(len);
        std::string path = read_path(r);
        w.u16(seq);
        if (path.empty()) return w.i32(efs::kEinval).take();
        const EfsNode* n = tree.find(path);
        if (n && n->type == EfsNode::Type::dir) return w.i32(efs::kEisdir).take();
        if (!n && !(flags & efs::O_CREAT_)) return w.i32(efs::kEnoent).take();
        if (len > efs::kMaxGet) return w.i32(efs::kEfbig).take();
        if (!account_write(len)) return w.i32(efs::kEnospc).take();
        auto result = efs_now().put_file(path, data, EfsNode::Type::item,
                                         (flags & efs::O_AUTODIR_) != 0, clock_now());
        if (result == SharedEfs::Result::full) return w.i32(efs::kEnospc).take();
        if (result == SharedEfs::Result::refused) return w.i32(efs::kEnoent).take();
        return w.i32(0).take();
    }
    if (cmd == efs::kGet) {
        std::uint32_t max = r.u32();
        r.u32();  // path length (we trust the NUL)
        std::uint16_t seq = r.u16();
        std::string path = read_path(r);
        const EfsNode* n = path.empty() ? nullptr : tree.find(path);
        auto fail = [&](std::int32_t err) { return w.i32(-1).i32(err).u16(seq).take(); };
        if (!n) return fail(efs::kEnoent);
        if (n->type == EfsNode::Type::dir) return fail(efs::kEisdir);
        if (n->data.size() > std::min<std::uint32_t>(max, efs::kMaxGet)) return fail(efs::kEfbig);
        return w.i32(static_cast<std::int32_t>(n->data.size()))
            .i32(0)
            .u16(seq)
            .bytes(n->data)
            .take();
    }
    std::uint16_t seq = r.u16();
    if (cmd == efs::kSyncNoWait) {
        (void)r.cstring();
        unsynced_ = 0;  // the journal is already in the partition: a sync only resets the budget
        return w.u16(seq).u32(++sync_token_).i32(0).take();
    }
    std::uint32_t token = r.u32();
    bool known = token != 0 && token <= sync_token_;
    return w.u16(seq).u8(known ? 1 : 0).i32(known ? 0 : efs::kEinval).take();
}

Bytes DiagTarget::efs_path_op(std::uint16_t cmd, ByteReader& r) {
    ByteWriter w;
    const EfsTree& tree = efs_now().tree();
    std::int16_t mode = cmd == efs::kMkdir ? r.i16() : 0;
    std::string path = read_path(r);
    const EfsNode* n = path.empty() ? nullptr : tree.find(path);
    switch (cmd) {
        case efs::kStat:
        case efs::kLstat:
            if (!n) return w.i32(efs::kEnoent).zeros(24).take();
            return w.i32(0)
                .i32(full_mode(*n))
                .i32(static_cast<std::int32_t>(n->data.size()))
                .i32(n->type == EfsNode::Type::dir ? 2 : 1)
                .u32(n->mtime)
                .u32(n->mtime)
                .u32(n->mtime)
                .take();
        case efs::kMkdir: {
            if (path.empty()) return w.i32(efs::kEinval).take();
            if (n) return w.i32(efs::kEexist).take();
            if (!account_write(0)) return w.i32(efs::kEnospc).take();
            auto result =
                efs_now().make_dir(path, static_cast<std::uint32_t>(mode & 0777), clock_now());
            if (result == SharedEfs::Result::full) return w.i32(efs::kEnospc).take();
            if (result == SharedEfs::Result::refused) return w.i32(efs::kEnoent).take();
            return w.i32(0).take();
        }
        case efs::kUnlink:
        case efs::kRmdir: {
            if (path.empty()) return w.i32(efs::kEnoent).take();
            int err = efs_now().remove(path, cmd == efs::kRmdir, clock_now());
            if (err == 0) account_write(0);
            return w.i32(err).take();
        }
        default:  // READLINK: no links in this EFS
            return w.i32(n ? efs::kEinval : efs::kEnoent).u8(0).take();
    }
}

}  // namespace cr::sim
