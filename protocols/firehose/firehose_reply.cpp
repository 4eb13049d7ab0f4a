#include "protocols/firehose/firehose_reply.hpp"

#include <fmt/format.h>

#include <charconv>
#include <pugixml.hpp>
#include <sstream>

#include "src/util/error.hpp"

namespace cr::firehose {
namespace {

constexpr std::string_view kEnd = "</data>";

std::string excerpt(std::string_view text) {
    std::string out(text.substr(0, 80));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return text.size() > 80 ? out + "..." : out;
}

// pugixml writer that appends to a string (no stream overhead).
struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, std::size_t size) override {
        out.append(static_cast<const char*>(data), size);
    }
};

}  // namespace

std::string build_command(std::string_view tag, const Attributes& attributes) {
    pugi::xml_document doc;
    pugi::xml_node node = doc.append_child("data").append_child(std::string(tag).c_str());
    for (const auto& [name, value] : attributes)
        node.append_attribute(name.c_str()) = value.c_str();
    StringWriter writer;
    doc.save(writer, "", pugi::format_raw | pugi::format_no_declaration);
    return R"(<?xml version="1.0" ?>)" + writer.out;
}

std::string Element::attr(const std::string& name, const std::string& fallback) const {
    auto it = attrs.find(name);
    return it == attrs.end() ? fallback : it->second;
}

std::string Response::attr(const std::string& name, const std::string& fallback) const {
    auto it = attrs.find(name);
    return it == attrs.end() ? fallback : it->second;
}

Document parse_document(std::string_view text) {
    pugi::xml_document doc;
    pugi::xml_parse_result result =
        doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result)
        throw DecodeError(fmt::format("malformed Firehose XML ({} at offset {}): '{}'",
                                      result.description(), result.offset, excerpt(text)));
    pugi::xml_node data = doc.child("data");
    if (!data)
        throw DecodeError(fmt::format("Firehose XML without a <data> root: '{}'", excerpt(text)));
    Document out;
    for (pugi::xml_node node : data.children()) {
        if (node.type() != pugi::node_element) continue;
        Element element{node.name(), {}};
        for (pugi::xml_attribute a : node.attributes()) element.attrs[a.name()] = a.value();
        out.elements.push_back(std::move(element));
    }
    return out;
}

void ReplyParser::feed(ByteView bytes) {
    buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::optional<std::string> ReplyParser::next_text() {
    std::size_t end = buffer_.find(kEnd);
    if (end == std::string::npos) {
        if (buffer_.size() > max_document_) {
            std::string head = excerpt(buffer_);
            buffer_.clear();
            throw DecodeError(fmt::format(
                "Firehose reply of more than {} bytes without </data>: '{}'", max_document_, head));
        }
        return std::nullopt;
    }
    end += kEnd.size();
    // Skip what precedes the document (NUL padding, whitespace, stray bytes).
    std::size_t begin = buffer_.find('<');
    std::string text = begin < end ? buffer_.substr(begin, end - begin) : std::string{};
    buffer_.erase(0, end);
    return text;
}

std::optional<Document> ReplyParser::next() {
    auto text = next_text();
    if (!text) return std::nullopt;
    return parse_document(*text);
}

std::string ReplyParser::take_rest() {
    std::string rest;
    rest.swap(buffer_);
    return rest;
}

std::uint64_t parse_number(std::string_view text, std::string_view what) {
    std::string_view t = text;
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '.')) t.remove_suffix(1);
    int base = 10;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        t.remove_prefix(2);
        base = 16;
    }
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value, base);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
        throw DecodeError(fmt::format("{}: '{}' is not a number", what, excerpt(text)));
    return value;
}

}  // namespace cr::firehose
