// The shared virtual EFS: image + journal in the efs2 partition (format in efs_journal.hpp).
#include "sim/diag/efs_journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <random>

#include "src/util/error.hpp"

namespace cr::sim {
namespace {

constexpr char kRecordMagic[4] = {'C', 'R', 'J', '1'};
const Bytes kEndMark(kJournalRecordHeader, 0);

std::uint32_t crc32_of(ByteView data) {
    return static_cast<std::uint32_t>(::crc32(0L, data.data(), static_cast<uInt>(data.size())));
}

std::uint32_t image_generation(ByteView header) {
    // v2 headers carry it at byte 20; v1 images have none (0).
    if (header.size() >= kEfsImageHeaderSize && header[7] == '2')
        return load_le32(header.data() + 20);
    return 0;
}

std::uint32_t fresh_generation(std::uint32_t old) {
    std::random_device rd;
    std::uint32_t g = rd();
    return g == 0 || g == old ? old + 1 : g;
}

// The lock file of one module's EFS. flock works per open file description, so each opener
// (thread or process) excludes every other.
int open_efs_lock(const VirtualModule& module) {
    int fd = ::open((module.dir() / ".efs.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw IoError(fmt::format("cannot lock the virtual EFS of {}: {}", module.id(),
                                  std::strerror(errno)));
    return fd;
}

void flock_wait(int fd, int op) {
    while (::flock(fd, op) != 0 && errno == EINTR) {
    }
}

// A one-off lock (load/store outside a session): released by closing.
int lock_efs(const VirtualModule& module) {
    int fd = open_efs_lock(module);
    flock_wait(fd, LOCK_EX);
    return fd;
}

// Writes `tree` as a new image followed by an empty journal; the caller holds the lock.
// Returns the header written.
Bytes write_image(VirtualModule& module, const EfsTree& tree, std::uint32_t old_generation) {
    Bytes image = tree.serialize();
    if (image.size() + kJournalRecordHeader > efs_capacity(module))
        throw IoError(fmt::format("the EFS image ({} bytes) does not fit the efs2 partition ({})",
                                  image.size(), efs_capacity(module)));
    std::uint32_t gen = fresh_generation(old_generation);
    for (int i = 0; i < 4; ++i) image[20 + i] = static_cast<std::uint8_t>(gen >> (8 * i));
    image.insert(image.end(), kEndMark.begin(), kEndMark.end());
    write_efs_bytes(module, 0, image);
    return Bytes(image.begin(), image.begin() + kEfsImageHeaderSize);
}

}  // namespace

Bytes encode_efs_change(const EfsChange& c) {
    ByteWriter w;
    w.u8(static_cast<std::uint8_t>(c.op))
        .u16(static_cast<std::uint16_t>(c.path.size()))
        .str(c.path);
    if (c.op == EfsChange::Op::set)
        w.u8(static_cast<std::uint8_t>(c.node.type)).u32(c.node.mode).u32(c.node.mtime);
    if (c.op == EfsChange::Op::write) w.u32(c.node.mtime).u32(c.offset);
    if (c.op != EfsChange::Op::remove)
        w.u32(static_cast<std::uint32_t>(c.node.data.size())).bytes(c.node.data);
    return w.take();
}

std::optional<EfsChange> decode_efs_change(ByteView body) {
    try {
        ByteReader r(body, "EFS journal record");
        EfsChange c;
        std::uint8_t op = r.u8();
        if (op > 2) return std::nullopt;
        c.op = static_cast<EfsChange::Op>(op);
        c.path = std::string(as_chars(r.bytes(r.u16())));
        if (c.path.empty() || normalize_efs_path(c.path) != c.path) return std::nullopt;
        if (c.op == EfsChange::Op::set) {
            std::uint8_t type = r.u8();
            if (type > 2) return std::nullopt;
            c.node.type = static_cast<EfsNode::Type>(type);
            c.node.mode = r.u32();
            c.node.mtime = r.u32();
        }
        if (c.op == EfsChange::Op::write) {
            c.node.mtime = r.u32();
            c.offset = r.u32();
        }
        if (c.op != EfsChange::Op::remove) {
            auto data = r.bytes(r.u32());
            c.node.data.assign(data.begin(), data.end());
        }
        if (r.remaining() != 0) return std::nullopt;
        return c;
    } catch (const DecodeError&) {
        return std::nullopt;
    }
}

void apply_efs_change(EfsTree& tree, const EfsChange& c) {
    switch (c.op) {
        case EfsChange::Op::set:
            tree.set_node(c.path, c.node);
            return;
        case EfsChange::Op::remove:
            tree.erase_node(c.path);
            return;
        case EfsChange::Op::write: {
            EfsNode* n = tree.find(c.path);
            if (!n || n->type == EfsNode::Type::dir) return;
            std::uint64_t end = static_cast<std::uint64_t>(c.offset) + c.node.data.size();
            if (end > (64u << 20)) return;  // no EFS file is that large: a damaged record
            if (n->data.size() < end) n->data.resize(end, 0);
            std::copy(c.node.data.begin(), c.node.data.end(), n->data.begin() + c.offset);
            n->mtime = c.node.mtime;
            return;
        }
    }
}

// ---- SharedEfs ----------------------------------------------------------------------------

SharedEfs::SharedEfs(VirtualModule& module)
    : module_(module), capacity_(efs_capacity(module)), lock_fd_(open_efs_lock(module)) {
    flock_wait(lock_fd_, LOCK_EX);
    try {
        reload();
    } catch (...) {
        ::close(lock_fd_);
        throw;
    }
    flock_wait(lock_fd_, LOCK_UN);
}

SharedEfs::~SharedEfs() {
    ::close(lock_fd_);
}

void SharedEfs::reload() {
    header_ = read_efs_bytes(module_, 0, kEfsImageHeaderSize);
    std::size_t size = efs_image_size(header_);
    has_image_ = false;
    tree_ = EfsTree::skeleton();
    journal_start_ = journal_end_ = 0;
    next_seq_ = 0;
    last_record_at_ = 0;
    last_record_header_.clear();
    generation_ = image_generation(header_);
    if (size == 0 || size + kJournalRecordHeader > capacity_) return;
    if (efs2_has_blank_programmed_pages(module_)) {
        // ECC written over "erased" pages: EFS2 sees garbage and the modem reformats (skeleton).
        spdlog::debug("virtual EFS: programmed all-0xFF pages in efs2: mount fails");
        return;
    }
    auto tree = EfsTree::deserialize(read_efs_bytes(module_, 0, size));
    if (!tree) return;  // damaged image: the modem reformats (skeleton)
    tree_ = std::move(*tree);
    has_image_ = true;
    journal_start_ = journal_end_ = size;
    catch_up();
}

void SharedEfs::catch_up() {
    for (;;) {
        if (journal_end_ + kJournalRecordHeader > capacity_) return;
        Bytes head = read_efs_bytes(module_, journal_end_, kJournalRecordHeader);
        if (std::memcmp(head.data(), kRecordMagic, 4) != 0) return;
        if (load_le32(head.data() + 4) != generation_ || load_le32(head.data() + 8) != next_seq_)
            return;  // another image's records: not ours
        std::uint32_t length = load_le32(head.data() + 12);
        if (length > capacity_ - journal_end_ - kJournalRecordHeader) return;
        Bytes body = read_efs_bytes(module_, journal_end_ + kJournalRecordHeader, length);
        if (crc32_of(body) != load_le32(head.data() + 16)) return;
        auto change = decode_efs_change(body);
        if (!change) return;
        apply_efs_change(tree_, *change);
        last_record_at_ = journal_end_;
        last_record_header_ = head;
        journal_end_ += kJournalRecordHeader + length;
        ++next_seq_;
    }
}

bool SharedEfs::compact() {
    try {
        header_ = write_image(module_, tree_, generation_);
    } catch (const IoError& e) {
        spdlog::debug("virtual EFS: {}", e.what());
        return false;
    }
    sync_efs_bytes(module_);
    generation_ = image_generation(header_);
    has_image_ = true;
    journal_start_ = journal_end_ = efs_image_size(header_);
    next_seq_ = 0;
    last_record_at_ = 0;
    last_record_header_.clear();
    return true;
}

bool SharedEfs::append(const std::vector<EfsChange>& changes) {
    if (changes.empty()) return true;
    if (!has_image_) return compact();  // the first write formats the EFS: a whole image
    Bytes out;
    std::uint64_t at = journal_end_;
    std::uint32_t seq = next_seq_;
    Bytes last_header;
    std::uint64_t last_at = 0;
    for (const auto& c : changes) {
        Bytes body = encode_efs_change(c);
        ByteWriter head;
        head.bytes(ByteView(reinterpret_cast<const std::uint8_t*>(kRecordMagic), 4))
            .u32(generation_)
            .u32(seq++)
            .u32(static_cast<std::uint32_t>(body.size()))
            .u32(crc32_of(body));
        last_at = at + out.size();
        last_header = head.view();
        out.insert(out.end(), head.view().begin(), head.view().end());
        out.insert(out.end(), body.begin(), body.end());
    }
    bool too_long = journal_end_ - journal_start_ + out.size() > kJournalCompactAt;
    if (too_long || at + out.size() + kJournalRecordHeader > capacity_) return compact();
    out.insert(out.end(), kEndMark.begin(), kEndMark.end());
    write_efs_bytes(module_, at, out);
    journal_end_ = at + out.size() - kJournalRecordHeader;
    next_seq_ = seq;
    last_record_at_ = last_at;
    last_record_header_ = last_header;
    return true;
}

// ---- Access -------------------------------------------------------------------------------

SharedEfs::Access::Access(SharedEfs& efs) : efs_(efs) {
    flock_wait(efs_.lock_fd_, LOCK_EX);
    try {
        Bytes header = read_efs_bytes(efs_.module_, 0, kEfsImageHeaderSize);
        bool same = header == efs_.header_;
        if (same && efs_.last_record_at_ != 0)
            same = read_efs_bytes(efs_.module_, efs_.last_record_at_, kJournalRecordHeader) ==
                   efs_.last_record_header_;
        if (same && efs_.has_image_)
            efs_.catch_up();
        else if (!same)
            efs_.reload();
    } catch (...) {
        flock_wait(efs_.lock_fd_, LOCK_UN);
        throw;
    }
}

SharedEfs::Access::~Access() {
    flock_wait(efs_.lock_fd_, LOCK_UN);
}

SharedEfs::Result SharedEfs::Access::commit(const std::vector<std::string>& paths,
                                            const std::vector<std::optional<EfsNode>>& before) {
    std::vector<EfsChange> changes;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const EfsNode* now = efs_.tree_.find(paths[i]);
        if (now && (!before[i] || !(*before[i] == *now)))
            changes.push_back({EfsChange::Op::set, paths[i], *now, 0});
        else if (!now && before[i])
            changes.push_back({EfsChange::Op::remove, paths[i], {}, 0});
    }
    if (efs_.append(changes)) return Result::ok;
    for (std::size_t i = 0; i < paths.size(); ++i) {  // roll back: nothing changed
        if (before[i])
            efs_.tree_.set_node(paths[i], *before[i]);
        else
            efs_.tree_.erase_node(paths[i]);
    }
    return Result::full;
}

namespace {

// The path and every ancestor ("/a/b/c" -> "/", "/a", "/a/b", "/a/b/c"): what a create with
// autodir may add or touch.
std::vector<std::string> path_and_ancestors(const std::string& path) {
    std::vector<std::string> out;
    for (std::string p = path; !p.empty(); p = efs_parent(p)) {
        out.insert(out.begin(), p);
        if (p == "/") break;
    }
    return out;
}

std::vector<std::optional<EfsNode>> snapshot(const EfsTree& tree,
                                             const std::vector<std::string>& paths) {
    std::vector<std::optional<EfsNode>> out;
    for (const auto& p : paths) {
        const EfsNode* n = tree.find(p);
        out.push_back(n ? std::optional<EfsNode>(*n) : std::nullopt);
    }
    return out;
}

}  // namespace

SharedEfs::Result SharedEfs::Access::put_file(const std::string& path, ByteView data,
                                              EfsNode::Type type, bool autodir, std::uint32_t mtime,
                                              std::optional<std::uint32_t> mode) {
    auto paths = path_and_ancestors(path);
    auto before = snapshot(efs_.tree_, paths);
    if (!efs_.tree_.put_file(path, data, type, autodir, mtime)) return Result::refused;
    if (mode)
        if (EfsNode* n = efs_.tree_.find(path)) n->mode = *mode;
    return commit(paths, before);
}

SharedEfs::Result SharedEfs::Access::make_dir(const std::string& path, std::uint32_t mode,
                                              std::uint32_t mtime) {
    auto paths = path_and_ancestors(path);
    auto before = snapshot(efs_.tree_, paths);
    if (!efs_.tree_.make_dir(path, mode, false, mtime)) return Result::refused;
    return commit(paths, before);
}

int SharedEfs::Access::remove(const std::string& path, bool directory, std::uint32_t mtime) {
    std::vector<std::string> paths{path};
    if (std::string parent = efs_parent(path); !parent.empty()) paths.insert(paths.begin(), parent);
    auto before = snapshot(efs_.tree_, paths);
    int err = efs_.tree_.remove(path, directory, mtime);
    if (err != 0) return err;
    return commit(paths, before) == Result::ok ? 0 : 28;
}

SharedEfs::Result SharedEfs::Access::write(const std::string& path, std::uint32_t offset,
                                           ByteView data, std::uint32_t mtime) {
    EfsNode* n = efs_.tree_.find(path);
    if (!n || n->type == EfsNode::Type::dir) return Result::refused;
    EfsNode before = *n;
    EfsChange change{EfsChange::Op::write, path, {}, offset};
    change.node.mtime = mtime;
    change.node.data.assign(data.begin(), data.end());
    apply_efs_change(efs_.tree_, change);
    if (efs_.append({change})) return Result::ok;
    efs_.tree_.set_node(path, std::move(before));
    return Result::full;
}

// ---- load/store ---------------------------------------------------------------------------

EfsTree load_efs(VirtualModule& module) {
    SharedEfs efs(module);
    SharedEfs::Access access = efs.access();
    return access.tree();
}

void store_efs(VirtualModule& module, const EfsTree& tree) {
    int fd = lock_efs(module);
    try {
        Bytes header = read_efs_bytes(module, 0, kEfsImageHeaderSize);
        write_image(module, tree, image_generation(header));
        sync_efs_bytes(module);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

}  // namespace cr::sim
