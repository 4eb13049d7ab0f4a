#include <gtest/gtest.h>

#include "src/util/error.hpp"
#include "target_fixture.hpp"

namespace cr::test {
namespace {

using sahara::Client;
using sahara::Mode;

TEST(SaharaUpload, V2TargetAcceptsProgrammerByteExact) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Bytes prog = programmer_for(cfg);
    Client client(*target.host, fast_options());
    auto hello = client.wait_hello();
    EXPECT_EQ(hello.version, 2u);
    EXPECT_EQ(hello.mode, Mode::image_tx_pending);
    std::vector<ProgressEvent> events;
    auto result = client.upload_image(prog, [&](const ProgressEvent& e) { events.push_back(e); });
    EXPECT_EQ(result.image_id, 13u);
    EXPECT_FALSE(result.wide_requests);
    EXPECT_EQ(result.bytes_unrequested, 0x1000u - 64 - 2 * 56);  // the gap before the payload
    EXPECT_GE(result.requests, 4u);
    ASSERT_FALSE(events.empty());
    EXPECT_TRUE(events.back().finished);
    auto out = target.outcome();
    EXPECT_EQ(out.end, sim::TargetEnd::programmer_accepted);
    EXPECT_EQ(out.programmer_sha256, sha256_hex(prog));
    EXPECT_EQ(out.requests, result.requests);
}

TEST(SaharaUpload, V3TargetUsesReadData64) {
    auto cfg = target_config(3);
    TargetRunner target(cfg);
    Bytes prog = programmer_for(cfg, 1 << 20);
    Client client(*target.host, fast_options());
    EXPECT_EQ(client.wait_hello().version, 3u);
    auto result = client.upload_image(prog);
    EXPECT_TRUE(result.wide_requests);
    EXPECT_EQ(target.outcome().programmer_sha256, sha256_hex(prog));
}

TEST(SaharaUpload, ProgrammerForAnotherChipIsRejectedAsSecureBoot) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    auto other = cfg.identity;
    other.msm_hw_id = 0x000480e1;
    Bytes prog = sim::make_virtual_programmer(other, 64 * 1024);
    Client client(*target.host, fast_options());
    client.wait_hello();
    try {
        client.upload_image(prog);
        FAIL() << "accepted a programmer for another chip";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("0x0d"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("secure boot"), std::string::npos) << e.what();
        EXPECT_NE(e.next_step().find("signed for this module"), std::string::npos);
    }
}

TEST(SaharaUpload, ProgrammerSignedWithAnotherKeyIsRejected) {
    auto cfg = target_config(3);
    TargetRunner target(cfg);
    auto other = cfg.identity;
    other.pk_hash_hex = std::string(64, 'b');
    Client client(*target.host, fast_options());
    client.wait_hello();
    EXPECT_THROW(client.upload_image(sim::make_virtual_programmer(other, 64 * 1024)),
                 ProtocolError);
}

TEST(SaharaUpload, CorruptPayloadFailsHashVerification) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Bytes prog = programmer_for(cfg, 64 * 1024);
    prog[0x1000 + 100] ^= 0xff;
    Client client(*target.host, fast_options());
    client.wait_hello();
    try {
        client.upload_image(prog);
        FAIL();
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("0x22"), std::string::npos) << e.what();
    }
}

TEST(SaharaUpload, NotAnElfIsRejected) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Bytes junk(8192, 0x41);
    Client client(*target.host, fast_options());
    client.wait_hello();
    try {
        client.upload_image(junk);
        FAIL();
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("0x14"), std::string::npos) << e.what();
    }
}

TEST(SaharaUpload, TruncatedProgrammerIsAUsageErrorNotAHang) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Bytes prog = programmer_for(cfg, 64 * 1024);
    prog.resize(prog.size() - 1000);  // the sign block at the end is cut
    Client client(*target.host, fast_options());
    client.wait_hello();
    try {
        client.upload_image(prog);
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
        EXPECT_FALSE(e.device_state().empty());
    }
}

TEST(SaharaUpload, LargerFileWithTrailingBytesIsAcceptedAndReported) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Bytes prog = programmer_for(cfg, 64 * 1024);
    prog.resize(prog.size() + 5000, 0xEE);
    Client client(*target.host, fast_options());
    client.wait_hello();
    auto r = client.upload_image(prog);
    EXPECT_EQ(r.bytes_unrequested, 5000u + 0x1000 - 64 - 2 * 56);
}

TEST(SaharaUpload, EmptyProgrammerIsRefusedBeforeTalking) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Client client(*target.host, fast_options());
    client.wait_hello();
    EXPECT_THROW(client.upload_image(Bytes{}), UsageError);
}

TEST(SaharaIdentity, V2AnswersEverything) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Client client(*target.host, fast_options());
    client.wait_hello();
    auto id = client.read_identity();
    EXPECT_EQ(id.serial, 0x1234abcdu);
    ASSERT_TRUE(id.hw_id);
    EXPECT_EQ(id.msm_hw_id(), 0x001990e1u);
    EXPECT_EQ(id.pk_hash_hex, kPkHash);
    EXPECT_EQ(id.sbl_version, 0x00030001u);
    EXPECT_FALSE(id.chip_id_v3);  // only asked of v3 targets
    EXPECT_TRUE(id.refused.empty());
    // Left command mode with SWITCH_MODE 0: a fresh HELLO came, so an upload can follow.
    ASSERT_TRUE(client.hello());
    EXPECT_EQ(client.hello()->mode, Mode::image_tx_pending);
    client.upload_image(programmer_for(cfg, 64 * 1024));
    EXPECT_EQ(target.outcome().end, sim::TargetEnd::programmer_accepted);
}

TEST(SaharaIdentity, V3RefusalsAreToleratedAndChipIdV3GivesMsmId) {
    auto cfg = target_config(3);
    cfg.refuse_msm_hw_id = true;
    cfg.refuse_pk_hash = true;
    TargetRunner target(cfg);
    Client client(*target.host, fast_options());
    client.wait_hello();
    auto id = client.read_identity();
    EXPECT_FALSE(id.hw_id);
    EXPECT_FALSE(id.pk_hash_hex);
    ASSERT_TRUE(id.chip_id_v3);
    EXPECT_EQ(id.msm_hw_id(), 0x001990e1u);
    EXPECT_EQ(id.serial, 0x1234abcdu);
    ASSERT_EQ(id.refused.size(), 2u);
    EXPECT_NE(id.refused[0].find("MSM HW ID"), std::string::npos);
    EXPECT_NE(id.refused[0].find("unsupported client command"), std::string::npos) << id.refused[0];
}

TEST(SaharaIdentity, SwitchModeBackToImageTransfer) {
    auto cfg = target_config(2);
    TargetRunner target(cfg);
    Client client(*target.host, fast_options());
    client.wait_hello();
    client.enter_command_mode();
    auto list = client.execute(sahara::Exec::command_list);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->size() % 4, 0u);
    EXPECT_FALSE(client.execute(sahara::Exec::debug_data));  // refused, still in command mode
    EXPECT_TRUE(client.execute(sahara::Exec::serial_number));
    client.switch_mode(Mode::image_tx_pending);
    EXPECT_EQ(client.hello()->mode, Mode::image_tx_pending);
}

TEST(SaharaAttach, ResetStateMachineWhenAttachingPastHello) {
    auto cfg = target_config(2);
    cfg.send_hello = false;  // its HELLO went to an earlier host
    TargetRunner target(cfg);
    auto opts = fast_options();
    opts.hello_timeout = Millis(300);
    Client client(*target.host, opts);
    auto hello = client.wait_hello();
    EXPECT_TRUE(hello.after_reset);
    client.upload_image(programmer_for(cfg, 64 * 1024));
    EXPECT_EQ(target.outcome().end, sim::TargetEnd::programmer_accepted);
}

TEST(SaharaAttach, ConsumedHelloThenResetStateMachine) {
    auto cfg = target_config(3);
    TargetRunner target(cfg);
    {  // someone else read the HELLO and went away
        Bytes hello(0x30);
        read_exact(*target.host, hello, Millis(5000), "HELLO");
    }
    auto opts = fast_options();
    opts.hello_timeout = Millis(300);
    Client client(*target.host, opts);
    EXPECT_TRUE(client.wait_hello().after_reset);
    EXPECT_EQ(client.read_identity().msm_hw_id(), 0x001990e1u);
}

TEST(SaharaAttach, SilentTargetTimesOutNamingTheState) {
    auto [host, device] = make_socket_pair("silent");
    auto opts = fast_options();
    opts.hello_timeout = Millis(200);
    Client client(*host, opts);
    try {
        client.wait_hello();
        FAIL();
    } catch (const TimeoutError& e) {
        EXPECT_NE(std::string(e.what()).find("HELLO"), std::string::npos);
        EXPECT_NE(e.device_state().find("silent"), std::string::npos);
        EXPECT_FALSE(e.next_step().empty());
    }
    // It did send RESET_STATE_MACHINE (0x13, length 8) before giving up.
    Bytes got(8);
    read_exact(*device, got, Millis(1000), "reset");
    EXPECT_EQ(got, (Bytes{0x13, 0, 0, 0, 8, 0, 0, 0}));
}

TEST(SaharaAttach, TargetVanishingMidTransferIsDeviceGone) {
    auto [host, device] = make_socket_pair("vanishing");
    std::jthread fake([&device = device] {
        try {
            sahara::PacketStream s(*device, "fake target");
            s.send(sahara::Hello{2, 1, 0x400, Mode::image_tx_pending}, Millis(1000));
            s.next(Millis(5000));  // HELLO_RESP
            s.send(sahara::ReadData{13, 0, 64, false}, Millis(1000));
            Bytes buf(64);
            s.read_raw(buf, Millis(5000), "header");
        } catch (const Error&) {
        }
        device->close();  // unplugged
    });
    Client client(*host, fast_options());
    client.wait_hello();
    Bytes prog(4096, 1);
    try {
        client.upload_image(prog);
        FAIL();
    } catch (const DeviceGoneError& e) {
        EXPECT_NE(std::string(e.what()).find("went away"), std::string::npos) << e.what();
        EXPECT_FALSE(e.next_step().empty());
    }
}

TEST(SaharaAttach, MalformedPacketFromTargetIsDecodeError) {
    auto [host, device] = make_socket_pair("garbage");
    // A HELLO with a wrong length field (0x2c instead of 0x30), padded to its claimed size.
    Bytes bad = sahara::encode(sahara::Hello{});
    bad[4] = 0x2c;
    bad.resize(0x2c);
    device->write(bad, Millis(1000));
    auto opts = fast_options();
    // wait_hello drops unreadable bytes and then times out (bounded)
    opts.hello_timeout = Millis(200);
    Client c2(*host, opts);
    EXPECT_THROW(c2.wait_hello(), TimeoutError);
}

TEST(SaharaAttach, TargetSilentAfterHelloTimesOutNamingTheState) {
    auto [host, device] = make_socket_pair("mute");
    device->write(sahara::encode(sahara::Hello{}), Millis(1000));
    auto opts = fast_options();
    opts.packet_timeout = Millis(200);
    Client client(*host, opts);
    client.wait_hello();
    try {
        client.upload_image(Bytes(4096, 1));
        FAIL();
    } catch (const TimeoutError& e) {
        EXPECT_NE(std::string(e.what()).find("READ_DATA"), std::string::npos) << e.what();
        EXPECT_NE(e.device_state().find("was receiving programmer"), std::string::npos)
            << e.device_state();
    }
}

TEST(SaharaAttach, FirehoseXmlOnThePortIsRecognised) {
    auto [host, device] = make_socket_pair("firehose");
    device->write(as_bytes("<?xml version=\"1.0\" ?><data><log value=\"hello\"/></data>"),
                  Millis(1000));
    Client client(*host, fast_options());
    try {
        client.wait_hello();
        FAIL();
    } catch (const sahara::FirehoseRunningError& e) {
        EXPECT_NE(e.device_state().find("Firehose programmer already running"), std::string::npos);
    }
}

TEST(SaharaAttach, UnexpectedPacketDuringUploadIsProtocolError) {
    auto [host, device] = make_socket_pair("odd");
    std::jthread fake([&device = device] {
        try {
            sahara::PacketStream s(*device, "fake target");
            s.send(sahara::Hello{}, Millis(1000));
            s.next(Millis(5000));
            s.send(sahara::CmdReady{}, Millis(1000));
            s.next(Millis(5000));
        } catch (const DeviceGoneError&) {
        }
    });
    Client client(*host, fast_options());
    client.wait_hello();
    EXPECT_THROW(client.upload_image(Bytes(100, 1)), ProtocolError);
    host->shutdown_write();
}

}  // namespace
}  // namespace cr::test
