#include <gtest/gtest.h>

#include "protocols/diag/diag_client.hpp"
#include "protocols/diag/efs2_client.hpp"
#include "protocols/diag/nv_client.hpp"
#include "src/util/hex.hpp"
#include "tests/unit/diag/scripted_transport.hpp"

namespace cr::diag {
namespace {

using cr::testing::ScriptedTransport;

Bytes framed(std::string_view hex) {
    return hdlc_encode(from_hex(hex));
}
Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

DiagOptions quick() {
    return DiagOptions{Millis(100)};
}

TEST(DiagClient, SkipsUnsolicitedFramesAndMatchesTheReply) {
    ScriptedTransport t;
    // a log, an event and a stray leading flag before the ESN reply, all in one read
    t.replies.push_back(cat(cat(cat(from_hex("7e"), framed("10 00 04 00")), framed("60 01 02")),
                            framed("01 78 56 34 12")));
    DiagClient c(t, quick());
    EXPECT_EQ(c.esn(), 0x12345678u);
    EXPECT_EQ(c.stats().unsolicited, 2u);
    EXPECT_EQ(t.written[0], from_hex("01 f1 e1 7e"));  // CRC computed independently (python)
}

TEST(DiagClient, SubsystemRepliesMustMatchSubsystemAndCommand) {
    ScriptedTransport t;
    t.replies.push_back(cat(framed("4b 12 00 00 aa"), framed("4b 13 00 00 bb")));
    DiagClient c(t, quick());
    EXPECT_EQ(c.request(from_hex("4b 13 00 00"), "test"), from_hex("4b 13 00 00 bb"));
}

TEST(DiagClient, ErrorRepliesBecomeTypedErrorsWithWords) {
    for (std::uint8_t code : {0x13, 0x14, 0x15, 0x16, 0x18, 0x42, 0x47}) {
        ScriptedTransport t;
        Bytes reply{code, 0x26, 0x26, 0x02};  // echo of the (truncated) request
        t.replies.push_back(hdlc_encode(reply));
        DiagClient c(t, quick());
        try {
            c.request(from_hex("26 26 02 00"), "NV_READ");
            FAIL() << "no error for " << int(code);
        } catch (const DiagCommandError& e) {
            EXPECT_EQ(e.code(), code);
            EXPECT_NE(std::string(e.what()).find(error_reply_name(code)), std::string::npos);
            EXPECT_FALSE(e.next_step().empty());
        }
    }
}

TEST(DiagClient, AnErrorReplyEchoingAnotherRequestIsSkipped) {
    ScriptedTransport t;
    t.replies.push_back(cat(framed("13 7c"), hdlc_encode(Bytes(55, 0))));
    DiagClient c(t, quick());
    EXPECT_NO_THROW(c.version());
}

TEST(DiagClient, BadCrcStrayFlagAndTruncationAreReportedNotHung) {
    {
        ScriptedTransport t;
        Bytes bad = framed("01 78 56 34 12");
        bad[2] ^= 0x01;
        t.replies.push_back(bad);
        DiagClient c(t, quick());
        EXPECT_THROW(c.esn(), DecodeError);
    }
    {
        ScriptedTransport t;
        t.replies.push_back(from_hex("01 7e"));  // stray flag after one byte
        DiagClient c(t, quick());
        EXPECT_THROW(c.esn(), DecodeError);
    }
    {
        ScriptedTransport t;
        t.replies.push_back(from_hex("01 78 56"));  // cut off, no end flag
        DiagClient c(t, quick());
        EXPECT_THROW(c.esn(), TimeoutError);
    }
    {
        ScriptedTransport t;
        t.replies.push_back(from_hex("01 78 7d 7e"));  // escape at the end
        DiagClient c(t, quick());
        EXPECT_THROW(c.esn(), DecodeError);
    }
    {
        ScriptedTransport t;
        t.replies.push_back(framed("01 78"));  // a good frame too short for an ESN
        DiagClient c(t, quick());
        EXPECT_THROW(c.esn(), DecodeError);
    }
}

TEST(DiagClient, SpcIsOneAttemptAndSaysSo) {
    ScriptedTransport t;
    t.replies.push_back(framed("41 00"));
    DiagClient c(t, quick());
    try {
        c.send_spc("123456");
        FAIL();
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("NOT retried"), std::string::npos);
    }
    EXPECT_EQ(t.written.size(), 1u);
    EXPECT_EQ(hdlc_decode(t.written[0]), from_hex("41 31 32 33 34 35 36"));
}

TEST(DiagClient, EdlSwitchSendsTheDocumentedBytesAndToleratesAVanishingPort) {
    ScriptedTransport t;
    t.gone_after_replies = true;
    DiagClient c(t, quick());
    c.switch_to_edl();
    EXPECT_EQ(t.written[0], from_hex("4b 65 01 00 54 0f 7e"));
}

TEST(Decoders, VernoExtBuildIdEsn) {
    Bytes v(55, 0);
    v[0] = 0x00;
    std::copy_n("Mar 14 2024", 11, v.begin() + 1);
    v[49] = 0xFF;  // model (after 47 bytes of strings, scm, cai_rev)
    auto info = decode_verno(v);
    EXPECT_EQ(info.comp_date, "Mar 14 2024");
    EXPECT_EQ(info.model, 0xFF);
    EXPECT_THROW(decode_verno(Bytes(54, 0)), DecodeError);
    Bytes e = from_hex("7c 02 00 00 e1 90 19 00 4f 60 00 00");
    for (char ch : std::string("BUILD")) e.push_back(static_cast<std::uint8_t>(ch));
    e.push_back(0);
    for (char ch : std::string("RM520N")) e.push_back(static_cast<std::uint8_t>(ch));
    e.push_back(0);
    auto ext = decode_ext_build_id(e);
    EXPECT_EQ(ext.msm_hw_version, 0x001990e1u);
    EXPECT_EQ(ext.build_id, "BUILD");
    EXPECT_EQ(ext.model_string, "RM520N");
    EXPECT_THROW(decode_ext_build_id(from_hex("7c 02 00")), DecodeError);
    EXPECT_THROW(decode_esn(from_hex("01 00")), DecodeError);
    EXPECT_THROW(decode_esn(from_hex("02 00 00 00 00")), DecodeError);
}

TEST(Decoders, NvRequestAndReplyLayouts) {
    Bytes req = encode_nv_request(false, false, 550, 0, {});
    EXPECT_EQ(req.size(), 133u);
    EXPECT_EQ(to_hex(ByteView(req).first(3)), "262602");
    Bytes ext = encode_nv_request(true, true, 550, 1, from_hex("08 4a"));
    EXPECT_EQ(ext.size(), 138u);
    EXPECT_EQ(to_hex(ByteView(ext).first(10)), "4b30020026020100084a");
    EXPECT_THROW(encode_nv_request(false, false, 1, 1, {}), UsageError);
    EXPECT_THROW(encode_nv_request(true, false, 1, 0, Bytes(129)), UsageError);
    Bytes reply = req;
    reply[131] = 5;  // NOTACTIVE
    auto r = decode_nv_reply(reply, false);
    EXPECT_TRUE(r.not_active());
    EXPECT_EQ(nv_status_name(r.status), "NOTACTIVE");
    EXPECT_THROW(decode_nv_reply(ByteView(reply).first(100), false), DecodeError);
    EXPECT_THROW(decode_nv_reply(reply, true), DecodeError);
    EXPECT_EQ(nv_status_name(99), "status 99");
}

TEST(NvClient, RefusalsComeBackAsResultsNotExceptions) {
    ScriptedTransport t;
    t.replies.push_back(
        hdlc_encode(cat(from_hex("42"), encode_nv_request(false, false, 85, 0, {}))));
    DiagClient c(t, quick());
    NvClient nv(c);
    auto r = nv.read(85);
    EXPECT_EQ(r.diag_error, kBadSpcMode);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.describe().find("SPC"), std::string::npos);
}

Bytes efs_reply(std::uint16_t cmd, const Bytes& body) {
    return ByteWriter().u8(0x4b).u8(0x13).u16(cmd).bytes(body).take();
}

TEST(Decoders, ReaddirEndsAtAnEmptyNameAndRejectsAbsurdEntries) {
    auto entry = [](std::int32_t type, std::int32_t size, std::string name) {
        ByteWriter w;
        w.u32(1).i32(1).i32(0).i32(type).i32(0100644).i32(size).i32(0).i32(0).i32(0).cstring(name);
        return efs_reply(efs::kReaddir, w.take());
    };
    auto f = decode_readdir(entry(0, 10, "00020006"));
    EXPECT_EQ(f.type, 0);  // a regular file, not the end
    EXPECT_EQ(f.name, "00020006");
    EXPECT_TRUE(decode_readdir(entry(0, 0, "")).name.empty());
    EXPECT_THROW(decode_readdir(entry(0, -5, "x")), DecodeError);
    EXPECT_THROW(decode_readdir(entry(9, 1, "x")), DecodeError);
    EXPECT_THROW(decode_readdir(entry(0, 1, "../etc")), DecodeError);
    EXPECT_THROW(decode_readdir(ByteView(entry(0, 1, "x")).first(20)), DecodeError);
    Bytes err = entry(0, 0, "");
    err[12] = efs::kEbadf;
    EXPECT_THROW(decode_readdir(err), EfsError);
}

TEST(Decoders, ReadAndGetRejectLyingLengths) {
    auto read = [](std::int32_t n, std::size_t carried) {
        ByteWriter w;
        w.i32(3).u32(0).i32(n).i32(0).zeros(carried);
        return efs_reply(efs::kRead, w.take());
    };
    std::int32_t err = 0;
    EXPECT_EQ(decode_read(read(4, 4), &err).size(), 4u);
    EXPECT_THROW(decode_read(read(2000000000, 4), &err), DecodeError);
    EXPECT_THROW(decode_read(read(-1, 0), &err), DecodeError);
    EXPECT_THROW(decode_read(read(8, 4), &err), DecodeError);
    auto get = [](std::int32_t n, std::size_t carried) {
        ByteWriter w;
        w.i32(n).i32(0).u16(1).zeros(carried);
        return efs_reply(efs::kGet, w.take());
    };
    EXPECT_EQ(decode_get(get(3, 3), &err).size(), 3u);
    EXPECT_THROW(decode_get(get(4, 3), &err), DecodeError);
    EXPECT_THROW(decode_stat(efs_reply(efs::kStat, Bytes(8, 0))), DecodeError);
    EXPECT_THROW(decode_read(efs_reply(efs::kGet, Bytes(16, 0)), &err), DecodeError);
}

TEST(Efs2Client, ProbesTheAlternateSubsystem) {
    ScriptedTransport t;
    // BAD_CMD echoing the HELLO as sent (error replies echo the request verbatim).
    Bytes hello_req = ByteWriter().u8(0x4b).u8(0x13).u16(0).u32(0x100000).u32(0x100000).take();
    t.replies.push_back(
        hdlc_encode(cat(from_hex("13"), Bytes(hello_req.begin(), hello_req.begin() + 8))));
    Bytes ok = ByteWriter().u8(0x4b).u8(0x3e).u16(0).zeros(40).take();
    t.replies.push_back(hdlc_encode(ok));
    t.replies.push_back(hdlc_encode(ByteWriter()
                                        .u8(0x4b)
                                        .u8(0x3e)
                                        .u16(efs::kQuery)
                                        .i32(80)
                                        .i32(1024)
                                        .i32(4)
                                        .i32(1)
                                        .i32(2)
                                        .i32(3)
                                        .take()));
    DiagClient c(t, quick());
    Efs2Client efs(c);
    EXPECT_EQ(efs.query().max_path, 1024);
    EXPECT_EQ(efs.subsystem(), efs::kSubsysAlternate);
}

}  // namespace
}  // namespace cr::diag
