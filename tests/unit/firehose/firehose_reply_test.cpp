#include <gtest/gtest.h>

#include "protocols/firehose/firehose_reply.hpp"
#include "src/util/error.hpp"

namespace cr::firehose {
namespace {

const std::string kLog =
    R"(<?xml version="1.0" encoding="UTF-8" ?><data><log value="INFO: hi" /></data>)";
const std::string kAck =
    R"(<?xml version="1.0" ?><data><response value="ACK" rawmode="true" /></data>)";

TEST(FirehoseReply, BuildsTheCommandDocumentWithEscaping) {
    std::string xml = build_command("program", {{"label", "a\"<b"}, {"start_sector", "0"}});
    EXPECT_EQ(xml.rfind(R"(<?xml version="1.0" ?><data><program )", 0), 0u) << xml;
    auto doc = parse_document(xml);
    ASSERT_EQ(doc.elements.size(), 1u);
    EXPECT_EQ(doc.elements[0].tag, "program");
    EXPECT_EQ(doc.elements[0].attr("label"), "a\"<b");
}

TEST(FirehoseReply, SplitsSeveralDocumentsInOneRead) {
    ReplyParser p;
    p.feed(as_bytes(kLog + kLog + kAck));
    int n = 0;
    while (auto d = p.next()) ++n;
    EXPECT_EQ(n, 3);
    EXPECT_EQ(p.pending(), 0u);
}

TEST(FirehoseReply, JoinsADocumentSpreadOverReads) {
    ReplyParser p;
    std::string all = kLog + kAck;
    for (char c : all) {
        p.feed(as_bytes(std::string_view(&c, 1)));
    }
    auto a = p.next();
    auto b = p.next();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(b->elements[0].attr("rawmode"), "true");
    EXPECT_FALSE(p.next());
}

TEST(FirehoseReply, KeepsRawDataAfterTheAck) {
    ReplyParser p;
    p.feed(as_bytes(kAck + "RAWDATA"));
    ASSERT_TRUE(p.next());
    EXPECT_EQ(p.take_rest(), "RAWDATA");
}

TEST(FirehoseReply, SkipsPaddingBetweenDocuments) {
    ReplyParser p;
    std::string s = std::string("\0\0\n ", 4) + kAck;
    p.feed(as_bytes(s));
    EXPECT_TRUE(p.next());
}

TEST(FirehoseReply, MalformedXmlIsADecodeError) {
    ReplyParser p;
    p.feed(as_bytes(std::string(R"(<?xml version="1.0" ?><data><log value="x></data>)")));
    EXPECT_THROW(p.next(), DecodeError);
    EXPECT_THROW(parse_document("<other/></data>"), DecodeError);
}

TEST(FirehoseReply, AnEndlessDocumentIsRefused) {
    ReplyParser p(1024);
    p.feed(as_bytes(std::string(2000, 'x')));
    EXPECT_THROW(p.next(), DecodeError);
    EXPECT_EQ(p.pending(), 0u);
}

TEST(FirehoseReply, ParsesNumbers) {
    EXPECT_EQ(parse_number("8192", "x"), 8192u);
    EXPECT_EQ(parse_number("0x10", "x"), 16u);
    EXPECT_EQ(parse_number("33.", "x"), 33u);
    EXPECT_THROW(parse_number("12abc", "x"), DecodeError);
    EXPECT_THROW(parse_number("", "x"), DecodeError);
}

}  // namespace
}  // namespace cr::firehose
