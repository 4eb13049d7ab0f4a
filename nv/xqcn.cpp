#include "nv/xqcn.hpp"

#include <fmt/format.h>

#include <pugixml.hpp>

#include "nv/calibration_tree.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/error.hpp"

namespace cr::nv {

namespace {

constexpr std::string_view kDeclaration = "<?xml version=\"1.0\" encoding=\"Windows-1252\" ?>\n\n";

void append_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
}

// QPST's hex: uppercase, each byte followed by one space.
void append_hex(std::string& out, ByteView data) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    out.reserve(out.size() + data.size() * 3);
    for (auto b : data) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
        out += ' ';
    }
}

// One node and its children, each line ended by LF except the root's closing tag: QPST ends
// the file with '>'.
void write_node(std::string& out, const QcnNode& node, std::size_t depth) {
    const char* eol = depth == 0 ? "" : "\n";
    out.append(depth * 2, ' ');
    if (!node.is_storage) {
        out += fmt::format("<Stream Length='{}' Name='", node.value.size());
        append_escaped(out, node.name);
        out += "' Value='";
        append_hex(out, node.value);
        out += "'/>";
        out += eol;
        return;
    }
    out += "<Storage Name='";
    append_escaped(out, node.name);
    if (node.children.empty()) {
        out += "'/>";
        out += eol;
        return;
    }
    out += "'>\n";
    for (const auto& child : node.children) write_node(out, child, depth + 1);
    out.append(depth * 2, ' ');
    out += "</Storage>";
    out += eol;
}

[[noreturn]] void bad_xqcn(const std::string& what) {
    throw DecodeError("XQCN: " + what, "nothing was written to any device",
                      "the file is damaged or not a QPST XQCN; use another copy");
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Tokens of exactly two hex digits separated by whitespace.
Bytes parse_value(std::string_view text, const std::string& where) {
    Bytes out;
    out.reserve(text.size() / 3 + 1);
    std::size_t i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        int hi = hex_value(text[i]);
        int lo = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        bool ends = i + 2 >= text.size() || std::isspace(static_cast<unsigned char>(text[i + 2]));
        if (hi < 0 || lo < 0 || !ends)
            bad_xqcn(fmt::format("{}: Value is not two-digit hex at character {}", where, i));
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
        i += 2;
    }
    return out;
}

std::size_t parse_length(const pugi::xml_node& node, const std::string& where) {
    auto attr = node.attribute("Length");
    std::string_view text = attr.value();
    if (!attr || text.empty() || text.size() > 10 ||
        text.find_first_not_of("0123456789") != std::string_view::npos)
        bad_xqcn(where + ": missing or invalid Length");
    return std::stoul(std::string(text));
}

QcnNode read_node(const pugi::xml_node& node, const std::string& parent, std::size_t depth) {
    if (depth > 16) bad_xqcn(parent + ": storages nested too deep");
    QcnNode out;
    std::string kind = node.name();
    if (!node.attribute("Name")) bad_xqcn(parent + ": <" + kind + "> without Name");
    out.name = node.attribute("Name").value();
    std::string where = parent + "/" + out.name;
    if (kind == "Stream") {
        std::size_t length = parse_length(node, where);
        out.value = parse_value(node.attribute("Value").value(), where);
        if (out.value.size() != length)
            bad_xqcn(fmt::format("{}: Length {} but Value holds {} bytes", where, length,
                                 out.value.size()));
        return out;
    }
    if (kind != "Storage") bad_xqcn(where + ": unknown element <" + kind + ">");
    out.is_storage = true;
    for (auto child : node.children()) {
        if (child.type() != pugi::node_element) continue;
        out.children.push_back(read_node(child, where, depth + 1));
    }
    return out;
}

}  // namespace

std::string write_xqcn(const Calibration& cal) {
    std::string out(kDeclaration);
    write_node(out, calibration_to_tree(cal), 0);
    return out;
}

Calibration read_xqcn(std::string_view text) {
    pugi::xml_document doc;
    auto result =
        doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result)
        bad_xqcn(fmt::format("not well-formed XML ({} at byte {})", result.description(),
                             result.offset));
    pugi::xml_node root;
    for (auto child : doc.children()) {
        if (child.type() != pugi::node_element) continue;
        if (root) bad_xqcn("more than one root element");
        root = child;
    }
    if (!root || std::string_view(root.name()) != "Storage")
        bad_xqcn("root element is not <Storage>");
    return calibration_from_tree(read_node(root, "", 0));
}

Calibration read_xqcn_file(const std::filesystem::path& file) {
    Bytes data = read_file(file);
    return read_xqcn(as_chars(data));
}

void write_xqcn_file(const std::filesystem::path& file, const Calibration& cal) {
    Calibration named = cal;
    named.source_name = xqcn_root_name(file);
    std::string text = write_xqcn(named);
    write_file_atomically(file, as_bytes(text));
}

std::string xqcn_root_name(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::path full = std::filesystem::absolute(file, ec);
    return (ec ? file : full).lexically_normal().string();
}

}  // namespace cr::nv
