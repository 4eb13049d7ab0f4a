// EfsTree: the in-memory EFS and its on-flash serialization (format in efs_store.hpp).
#include <zlib.h>

#include <cstring>

#include "sim/diag/efs_store.hpp"

namespace cr::sim {
namespace {

constexpr char kMagicV1[8] = {'C', 'R', 'E', 'F', 'S', '2', 'v', '1'};  // 20-byte header
constexpr char kMagic[8] = {'C', 'R', 'E', 'F', 'S', '2', 'v', '2'};    // + u32 generation
constexpr std::size_t kHeaderSizeV1 = 20;

// Header size of an image that starts with either magic (0: neither).
std::size_t header_size(ByteView header) {
    if (header.size() >= kEfsImageHeaderSize && std::memcmp(header.data(), kMagic, 8) == 0)
        return kEfsImageHeaderSize;
    if (header.size() >= kHeaderSizeV1 && std::memcmp(header.data(), kMagicV1, 8) == 0)
        return kHeaderSizeV1;
    return 0;
}

bool is_dir(const EfsNode* n) {
    return n && n->type == EfsNode::Type::dir;
}

}  // namespace

std::string normalize_efs_path(std::string_view path) {
    if (path.empty() || path.front() != '/' || path.size() > 1024) return {};
    std::string out;
    std::size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/') ++i;
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view part = path.substr(i, j - i);
        if (part == "." || part == "..") return {};
        if (part.find('\0') != std::string_view::npos) return {};
        if (!part.empty()) out += "/" + std::string(part);
        i = j;
    }
    return out.empty() ? "/" : out;
}

std::string efs_parent(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos || path == "/") return {};
    return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

EfsTree EfsTree::skeleton() {
    EfsTree t;
    t.nodes_["/"] = {EfsNode::Type::dir, 0755, kEfsBootTime, {}};
    for (const char* d : {"/nv", "/nv/item_files", "/nv/item_files/modem", "/nvm", "/nvm/num",
                          "/nvm/alpha", "/policyman"})
        t.make_dir(d, 0755, false, kEfsBootTime);
    return t;
}

void EfsTree::touch_parent(std::string_view path, std::uint32_t mtime) {
    if (mtime == 0) return;
    if (EfsNode* parent = find(efs_parent(path))) parent->mtime = mtime;
}

void EfsTree::set_node(const std::string& path, EfsNode node) {
    nodes_[path] = std::move(node);
}

void EfsTree::erase_node(std::string_view path) {
    auto it = nodes_.find(path);
    if (it != nodes_.end()) nodes_.erase(it);
}

const EfsNode* EfsTree::find(std::string_view path) const {
    auto it = nodes_.find(path);
    return it == nodes_.end() ? nullptr : &it->second;
}

EfsNode* EfsTree::find(std::string_view path) {
    auto it = nodes_.find(path);
    return it == nodes_.end() ? nullptr : &it->second;
}

bool EfsTree::make_dir(std::string_view raw, std::uint32_t mode, bool parents,
                       std::uint32_t mtime) {
    std::string path = normalize_efs_path(raw);
    if (path.empty()) return false;
    if (nodes_.empty()) nodes_["/"] = {EfsNode::Type::dir, 0755, mtime, {}};
    if (const EfsNode* n = find(path)) return is_dir(n);
    std::string parent = efs_parent(path);
    if (!is_dir(find(parent))) {
        if (!parents || find(parent) || !make_dir(parent, mode, true, mtime)) return false;
    }
    nodes_[path] = {EfsNode::Type::dir, mode, mtime, {}};
    touch_parent(path, mtime);
    return true;
}

bool EfsTree::put_file(std::string_view raw, ByteView data, EfsNode::Type type, bool autodir,
                       std::uint32_t mtime) {
    std::string path = normalize_efs_path(raw);
    if (path.empty() || path == "/" || type == EfsNode::Type::dir) return false;
    if (is_dir(find(path))) return false;
    std::string parent = efs_parent(path);
    if (!is_dir(find(parent)) && !(autodir && make_dir(parent, 0755, true, mtime))) return false;
    if (!find(path)) touch_parent(path, mtime);  // a new entry changes its directory
    EfsNode& n = nodes_[path];
    n.type = type;
    if (n.mode == 0) n.mode = 0644;
    n.mtime = mtime;
    n.data.assign(data.begin(), data.end());
    return true;
}

int EfsTree::remove(std::string_view raw, bool directory, std::uint32_t mtime) {
    std::string path = normalize_efs_path(raw);
    auto it = nodes_.find(path);
    if (path.empty() || it == nodes_.end()) return 2;
    bool dir = it->second.type == EfsNode::Type::dir;
    if (directory && !dir) return 20;
    if (!directory && dir) return 21;
    if (dir && (path == "/" || !children(path).empty())) return 39;
    nodes_.erase(it);
    touch_parent(path, mtime);
    return 0;
}

std::vector<std::string> EfsTree::children(std::string_view dir) const {
    std::vector<std::string> out;
    std::string prefix(dir);
    if (prefix != "/") prefix += "/";
    for (auto it = nodes_.lower_bound(prefix); it != nodes_.end(); ++it) {
        const std::string& p = it->first;
        if (p.compare(0, prefix.size(), prefix) != 0) break;
        if (p.size() == prefix.size()) continue;
        if (p.find('/', prefix.size()) == std::string::npos) out.push_back(p.substr(prefix.size()));
    }
    return out;
}

std::size_t EfsTree::file_count() const {
    std::size_t n = 0;
    for (const auto& [p, node] : nodes_) n += node.type != EfsNode::Type::dir;
    return n;
}

std::uint64_t EfsTree::total_bytes() const {
    std::uint64_t n = 0;
    for (const auto& [p, node] : nodes_) n += node.data.size();
    return n;
}

Bytes EfsTree::serialize() const {
    ByteWriter payload;
    for (const auto& [path, node] : nodes_) {
        payload.u8(static_cast<std::uint8_t>(node.type))
            .u32(node.mode)
            .u32(node.mtime)
            .u16(static_cast<std::uint16_t>(path.size()))
            .str(path)
            .u32(static_cast<std::uint32_t>(node.data.size()))
            .bytes(node.data);
    }
    const Bytes& body = payload.view();
    std::uint32_t crc = static_cast<std::uint32_t>(::crc32(0L, body.data(), body.size()));
    ByteWriter out;
    out.bytes(ByteView(reinterpret_cast<const std::uint8_t*>(kMagic), 8))
        .u32(static_cast<std::uint32_t>(nodes_.size()))
        .u32(static_cast<std::uint32_t>(body.size()))
        .u32(crc)
        .u32(0)  // generation: set by store_efs
        .bytes(body);
    return out.take();
}

std::optional<std::uint32_t> efs_image_payload_size(ByteView header) {
    if (header_size(header) == 0) return std::nullopt;
    return load_le32(header.data() + 12);
}

std::size_t efs_image_size(ByteView header) {
    std::size_t h = header_size(header);
    return h == 0 ? 0 : h + load_le32(header.data() + 12);
}

std::optional<EfsTree> EfsTree::deserialize(ByteView image) {
    std::size_t header = header_size(image);
    if (header == 0) return std::nullopt;
    std::uint32_t size = load_le32(image.data() + 12);
    if (size > image.size() - header) return std::nullopt;
    std::uint32_t count = load_le32(image.data() + 8);
    std::uint32_t crc = load_le32(image.data() + 16);
    ByteView body = image.subspan(header, size);
    if (static_cast<std::uint32_t>(::crc32(0L, body.data(), body.size())) != crc)
        return std::nullopt;
    EfsTree t;
    try {
        ByteReader r(body, "EFS image");
        for (std::uint32_t i = 0; i < count; ++i) {
            EfsNode n;
            std::uint8_t type = r.u8();
            if (type > 2) return std::nullopt;
            n.type = static_cast<EfsNode::Type>(type);
            n.mode = r.u32();
            n.mtime = r.u32();
            std::string path(as_chars(r.bytes(r.u16())));
            auto data = r.bytes(r.u32());
            n.data.assign(data.begin(), data.end());
            t.nodes_[path] = std::move(n);
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (!is_dir(t.find("/"))) return std::nullopt;
    return t;
}

}  // namespace cr::sim
