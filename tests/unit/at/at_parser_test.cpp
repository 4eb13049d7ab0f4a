#include <gtest/gtest.h>

#include "protocols/at/at_parser.hpp"

using namespace cr;
using namespace cr::at;

TEST(AtParser, FinalResultsVerboseAndNumeric) {
    EXPECT_EQ(parse_final("OK")->kind, FinalKind::ok);
    EXPECT_EQ(parse_final("0")->kind, FinalKind::ok);
    EXPECT_EQ(parse_final("ERROR")->kind, FinalKind::error);
    EXPECT_EQ(parse_final("4")->kind, FinalKind::error);
    EXPECT_EQ(parse_final("NO CARRIER")->kind, FinalKind::no_carrier);
    EXPECT_EQ(parse_final("BUSY")->kind, FinalKind::busy);
    EXPECT_EQ(parse_final("NO ANSWER")->kind, FinalKind::no_answer);
    EXPECT_EQ(parse_final("NO DIALTONE")->kind, FinalKind::no_dialtone);
    EXPECT_EQ(parse_final("ABORTED")->kind, FinalKind::aborted);
    auto c = parse_final("CONNECT 115200");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->kind, FinalKind::connect);
    EXPECT_EQ(c->text, "115200");
    EXPECT_FALSE(parse_final("CONNECTED"));
    EXPECT_FALSE(parse_final("+CFUN: 1"));
    EXPECT_FALSE(parse_final("OKAY"));
}

TEST(AtParser, CmeErrorNumericAndText) {
    auto n = parse_final("+CME ERROR: 3");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->kind, FinalKind::cme_error);
    EXPECT_EQ(n->code, 3);
    EXPECT_TRUE(n->text.empty());
    auto t = parse_final("+CME ERROR: phone failure");
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->code);
    EXPECT_EQ(t->text, "phone failure");
    auto s = parse_final("+CMS ERROR: 500");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->kind, FinalKind::cms_error);
    EXPECT_EQ(s->code, 500);
    auto e = parse_final("+CME ERROR:");
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->code);
    EXPECT_EQ(e->text, "");
}

TEST(AtParser, GreetingsEchoPrompt) {
    EXPECT_TRUE(is_greeting("RDY"));
    EXPECT_TRUE(is_greeting("+UUSTATUS: READY"));
    EXPECT_FALSE(is_greeting("READY"));
    EXPECT_TRUE(is_greeting("HELLO BOX", {"HELLO BOX"}));
    EXPECT_TRUE(is_echo("AT+CFUN?"));
    EXPECT_TRUE(is_echo("at"));
    EXPECT_FALSE(is_echo("+CFUN: 1"));
    EXPECT_TRUE(is_prompt("> "));
    EXPECT_TRUE(is_prompt(">"));
    EXPECT_FALSE(is_prompt(">>"));
}

TEST(AtParser, AssemblesAcrossChunksSkipsEmptyAndNul) {
    LineAssembler a;
    std::vector<std::string> out;
    a.feed(as_bytes("\r\n+CF"), out);
    EXPECT_TRUE(out.empty());
    a.feed(as_bytes(std::string_view("UN: \0"
                                     "1\r\n\r\nOK\r",
                                     13)),
           out);
    a.feed(as_bytes("\n"), out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], "+CFUN: 1");
    EXPECT_EQ(out[1], "OK");
}

TEST(AtParser, OverlongLineDroppedWithBoundedMemory) {
    LineAssembler a;
    std::vector<std::string> out;
    std::string big(max_line_length * 3, 'x');
    a.feed(as_bytes(big), out);
    EXPECT_LE(a.partial().size(), max_line_length);
    a.feed(as_bytes("tail\r\nOK\r\n"), out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], "OK");
    EXPECT_EQ(a.overlong_lines(), 1u);
}

TEST(AtParser, ValueAfterAndEscape) {
    EXPECT_EQ(value_after("+UFWUPD: 128", "+UFWUPD:"), "128");
    EXPECT_FALSE(value_after("+UFWINSTALL: 5", "+UFWUPD:"));
    EXPECT_EQ(escape(std::string_view("A\r\n\x01", 4)), "A\\r\\n\\x01");
}
