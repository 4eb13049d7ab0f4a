// rawprogram*.xml / patch*.xml -> operations (pugixml). Strict about what we rely on, tolerant
// of attributes we do not use.
#include "src/package/rawprogram.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <limits>
#include <pugixml.hpp>
#include <set>

#include "src/util/error.hpp"

namespace cr::package {
namespace {

// Attributes we read, plus ones real packages carry that we knowingly ignore.
const std::set<std::string, std::less<>> kKnownAttributes = {"SECTOR_SIZE_IN_BYTES",
                                                             "start_sector",
                                                             "num_partition_sectors",
                                                             "physical_partition_number",
                                                             "label",
                                                             "filename",
                                                             "file_sector_offset",
                                                             "sparse",
                                                             "PAGES_PER_BLOCK",
                                                             "last_sector",
                                                             "byte_offset",
                                                             "size_in_bytes",
                                                             "value",
                                                             "what",
                                                             "start_byte_hex",
                                                             "size_in_KB",
                                                             "readbackverify",
                                                             "partofsingleimage",
                                                             "appsbuild"};

std::optional<std::uint64_t> parse_number(std::string_view s) {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    std::uint64_t v = 0;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c)))
            d = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
        else
            return std::nullopt;
        if (v > (std::numeric_limits<std::uint64_t>::max() - static_cast<unsigned>(d)) / base)
            return std::nullopt;
        v = v * base + static_cast<unsigned>(d);
    }
    return v;
}

class ElementReader {
  public:
    ElementReader(const pugi::xml_node& node, std::string origin)
        : node_(node), origin_(std::move(origin)) {
        for (auto a = node.first_attribute(); a; a = a.next_attribute())
            if (!kKnownAttributes.count(a.name()))
                spdlog::debug("{}: ignoring unknown attribute {}=\"{}\"", origin_, a.name(),
                              a.value());
    }
    bool has(const char* name) const { return !node_.attribute(name).empty(); }
    std::string text(const char* name) const { return node_.attribute(name).value(); }
    std::string require_text(const char* name) const {
        if (!has(name))
            throw DecodeError(fmt::format("{}: <{}> lacks {}", origin_, node_.name(), name), {},
                              "the package's XML is damaged: get a good copy of the package");
        return text(name);
    }
    std::uint64_t number(const char* name, std::optional<std::uint64_t> fallback) const {
        if (!has(name)) {
            if (fallback) return *fallback;
            require_text(name);
        }
        auto v = parse_number(text(name));
        if (!v)
            throw DecodeError(
                fmt::format("{}: {}=\"{}\" is not a number", origin_, name, text(name)), {},
                "the package's XML is damaged: get a good copy of the package");
        return *v;
    }
    std::uint32_t number32(const char* name, std::optional<std::uint64_t> fallback) const {
        std::uint64_t v = number(name, fallback);
        if (v > std::numeric_limits<std::uint32_t>::max())
            throw DecodeError(fmt::format("{}: {} is out of range", origin_, name));
        return static_cast<std::uint32_t>(v);
    }

  private:
    pugi::xml_node node_;
    std::string origin_;
};

pugi::xml_document load(std::string_view xml, const std::string& source, std::size_t& line_base) {
    pugi::xml_document doc;
    auto result = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
    if (!result)
        throw DecodeError(fmt::format("{}: malformed XML at byte {}: {}", source, result.offset,
                                      result.description()),
                          {}, "the package's XML is damaged: get a good copy of the package");
    line_base = 0;
    return doc;
}

std::string origin_of(const std::string& source, std::string_view xml, const pugi::xml_node& n) {
    auto off = static_cast<std::size_t>(n.offset_debug());
    std::size_t line = 1;
    for (std::size_t i = 0; i < off && i < xml.size(); ++i) line += xml[i] == '\n';
    return fmt::format("{}:{}", source, line);
}

void read_addressing(const ElementReader& r, RawOp& op, bool need_sectors) {
    op.sector_size = r.number32("SECTOR_SIZE_IN_BYTES", std::nullopt);
    if (op.sector_size == 0 || op.sector_size > (1u << 20) ||
        (op.sector_size & (op.sector_size - 1)))
        throw DecodeError(fmt::format("{}: SECTOR_SIZE_IN_BYTES {} is not a sane power of two",
                                      op.origin, op.sector_size));
    op.start_sector = r.require_text("start_sector");
    eval_sector(op.start_sector, std::nullopt);  // validates the syntax
    op.num_sectors = r.number("num_partition_sectors",
                              need_sectors ? std::nullopt : std::optional<std::uint64_t>(0));
    op.physical_partition = r.number32("physical_partition_number", 0);
    op.label = r.text("label");
    op.pages_per_block = r.number32("PAGES_PER_BLOCK", 0);
    if (r.has("last_sector")) {
        op.last_sector = r.text("last_sector");
        eval_sector(*op.last_sector, std::nullopt);
    }
}

}  // namespace

std::string_view to_string(OpKind kind) {
    switch (kind) {
        case OpKind::program:
            return "program";
        case OpKind::erase:
            return "erase";
        case OpKind::patch:
            return "patch";
    }
    return "?";
}

std::optional<std::uint64_t> eval_sector(std::string_view expr,
                                         std::optional<std::uint64_t> num_disk_sectors) {
    std::string s;
    for (char c : expr)
        if (!std::isspace(static_cast<unsigned char>(c))) s += c;
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (s.empty()) throw DecodeError(fmt::format("empty sector expression '{}'", expr));
    bool needs_disk = false;
    // Signed accumulation in 128 bits so that "NUM_DISK_SECTORS-33" never wraps silently.
    __int128 total = 0;
    std::size_t pos = 0;
    int sign = 1;
    while (pos <= s.size()) {
        std::size_t end = s.find_first_of("+-", pos == 0 ? 0 : pos);
        if (end == pos) throw DecodeError(fmt::format("malformed sector expression '{}'", expr));
        std::string term = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (term == "NUM_DISK_SECTORS") {
            needs_disk = true;
            total += sign * static_cast<__int128>(num_disk_sectors.value_or(0));
        } else if (auto v = parse_number(term)) {
            total += sign * static_cast<__int128>(*v);
        } else {
            throw DecodeError(fmt::format("malformed sector expression '{}'", expr));
        }
        if (end == std::string::npos) break;
        sign = s[end] == '-' ? -1 : 1;
        pos = end + 1;
        if (pos >= s.size())
            throw DecodeError(fmt::format("malformed sector expression '{}'", expr));
    }
    if (needs_disk && !num_disk_sectors) return std::nullopt;
    if (total < 0 || total > static_cast<__int128>(std::numeric_limits<std::uint64_t>::max()))
        throw DecodeError(fmt::format("sector expression '{}' is out of range", expr));
    return static_cast<std::uint64_t>(total);
}

std::vector<RawOp> parse_rawprogram(std::string_view xml, const std::string& source) {
    std::size_t base = 0;
    auto doc = load(xml, source, base);
    auto data = doc.child("data");
    if (!data)
        throw DecodeError(fmt::format("{}: not a rawprogram file (no <data> element)", source));
    std::vector<RawOp> ops;
    for (auto n : data.children()) {
        if (n.type() != pugi::node_element) continue;
        std::string name = n.name();
        RawOp op;
        op.origin = origin_of(source, xml, n);
        if (name == "program") {
            op.kind = OpKind::program;
        } else if (name == "erase") {
            op.kind = OpKind::erase;
        } else {
            spdlog::debug("{}: ignoring <{}>", op.origin, name);
            continue;
        }
        ElementReader r(n, op.origin);
        read_addressing(r, op, true);
        op.filename = r.text("filename");
        op.file_sector_offset = r.number("file_sector_offset", 0);
        std::string sparse = r.text("sparse");
        op.sparse = sparse == "true" || sparse == "1";
        ops.push_back(std::move(op));
    }
    return ops;
}

std::vector<RawOp> parse_patch(std::string_view xml, const std::string& source) {
    std::size_t base = 0;
    auto doc = load(xml, source, base);
    auto root = doc.child("patches");
    if (!root) root = doc.child("data");
    if (!root)
        throw DecodeError(fmt::format("{}: not a patch file (no <patches> element)", source));
    std::vector<RawOp> ops;
    for (auto n : root.children()) {
        if (n.type() != pugi::node_element) continue;
        RawOp op;
        op.origin = origin_of(source, xml, n);
        if (std::string_view(n.name()) != "patch") {
            spdlog::debug("{}: ignoring <{}>", op.origin, n.name());
            continue;
        }
        op.kind = OpKind::patch;
        ElementReader r(n, op.origin);
        read_addressing(r, op, false);
        op.filename = r.require_text("filename");
        op.byte_offset = r.require_text("byte_offset");
        op.size_in_bytes = r.number32("size_in_bytes", std::nullopt);
        op.value = r.require_text("value");
        op.what = r.text("what");
        ops.push_back(std::move(op));
    }
    return ops;
}

}  // namespace cr::package
