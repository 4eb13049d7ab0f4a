// The virtual Quectel AT port: answers derived from the shared EFS/DIAG state (PROTOCOLS §7).
#include <thread>

#include "rescue_fixture.hpp"
#include "sim/ports.hpp"
#include "src/transport/stream_transport.hpp"

namespace cr::test {
namespace {

class AtPort : public RescueFixture {
  protected:
    at::Response ask(const std::string& cmd) {
        auto dev = device();
        auto port = dev.open_at();
        at::AtChannel ch(*port);
        ch.open();
        return ch.command(cmd);
    }
};

TEST_F(AtPort, HealthyModuleIdentifiesItselfAndRunsTheRadio) {
    auto dev = device();
    auto port = dev.open_at();
    at::AtChannel ch(*port);
    ch.open();
    auto ati = ch.command_ok("ATI");
    ASSERT_EQ(ati.lines.size(), 3u);
    EXPECT_EQ(ati.lines[0], "Quectel");
    EXPECT_EQ(ati.lines[1], "RM520N-GL");
    EXPECT_EQ(ati.lines[2], "Revision: " + module()->state().firmware);
    EXPECT_EQ(ch.command_ok("AT+QGMR").text(), module()->state().firmware);
    EXPECT_EQ(ch.command_ok("AT+CFUN?").value("+CFUN:"), "1");
    EXPECT_EQ(ch.command_ok("AT+CGSN").text(), own_imei());
    EXPECT_EQ(ch.command_ok("AT+EGMR=0,7").value("+EGMR:"), "\"" + own_imei() + "\"");
    EXPECT_TRUE(ch.command("AT+CFUN=1").ok());
    EXPECT_TRUE(ch.command("AT+CFUN=4").ok());
    EXPECT_EQ(ch.command_ok("AT+CFUN?").value("+CFUN:"), "4");
    EXPECT_FALSE(ch.command("AT+NOSUCH").ok());
}

TEST_F(AtPort, WipedEfsGivesCfun5AndRefusesTheRadio) {
    set_state("cfun5");
    auto dev = device();
    auto port = dev.open_at();
    at::AtChannel ch(*port);
    ch.open();
    EXPECT_EQ(ch.command_ok("AT+CFUN?").value("+CFUN:"), "5");
    auto on = ch.command("AT+CFUN=1");
    ASSERT_EQ(on.final.kind, at::FinalKind::cme_error);
    EXPECT_EQ(on.final.code, 3);
    EXPECT_TRUE(ch.command_ok("AT+CGSN").lines.empty());
    EXPECT_EQ(ch.command_ok("AT+EGMR=0,7").value("+EGMR:"), "\"\"");
    ch.command_ok("AT+CMEE=2");
    EXPECT_EQ(ch.command("AT+CFUN=1").final.text, "operation not allowed");
    EXPECT_EQ(ch.command_ok("AT+CSQ").value("+CSQ:"), "99,99");
}

TEST_F(AtPort, FtmModeInNv453GivesCfun5) {
    edit_efs([](sim::EfsTree& t) {
        const std::uint8_t one[1] = {1};
        t.put_file("/nvm/num/453", ByteView(one, 1), sim::EfsNode::Type::item, true);
    });
    EXPECT_EQ(ask("AT+CFUN?").value("+CFUN:"), "5");
}

TEST_F(AtPort, PendingDiagRestoreGivesCfun7UntilResetThenRdyGreets) {
    module()->update([](sim::ModuleState& s) {
        auto r = sim::diag_runtime(s);
        r.pending_reset = true;
        sim::set_diag_runtime(s, r);
    });
    auto dev = device();
    {
        auto port = dev.open_at();
        at::AtChannel ch(*port);
        ch.open();
        EXPECT_EQ(ch.command_ok("AT+CFUN?").value("+CFUN:"), "7");
        ch.command_ok("AT+CFUN=1,1");
        // The module drops the port after OK, like a USB disconnect.
        EXPECT_THROW(ch.command("AT", Millis(3000)), DeviceGoneError);
    }
    auto port = dev.open_at();
    at::AtChannel ch(*port);
    EXPECT_EQ(ch.wait_greeting(Millis(5000)), "RDY");
    ch.open();
    EXPECT_EQ(ch.command_ok("AT+CFUN?").value("+CFUN:"), "1");
    EXPECT_FALSE(sim::diag_runtime(module()->state()).pending_reset);
}

TEST_F(AtPort, SimAbsentOrPresentByStateFlag) {
    auto absent = ask("AT+CPIN?");
    EXPECT_EQ(absent.final.code, 10);
    module()->update([](sim::ModuleState& s) { s.extra["at"]["sim"] = true; });
    EXPECT_EQ(ask("AT+CPIN?").value("+CPIN:"), "READY");
}

TEST_F(AtPort, EchoIsOnUntilAte0) {
    auto dev = device();
    auto port = dev.open_at();
    port->write(as_bytes("AT\r"), Millis(2000));
    std::string got;
    Deadline d(Millis(5000));
    std::uint8_t buf[256];
    while (got.find("OK\r\n") == std::string::npos && !d.expired()) {
        auto n = port->read(buf, Millis(200));
        got.append(reinterpret_cast<const char*>(buf), n);
    }
    EXPECT_EQ(got, "AT\r\r\nOK\r\n");
}

TEST_F(AtPort, UrcsArriveBetweenCommandsAndAreRouted) {
    auto dev = device();
    auto port = dev.open_at();
    at::AtChannel ch(*port);
    int urcs = 0;
    ch.on_urc("+QIND:", [&](const std::string&) { ++urcs; });
    ch.open();
    for (int i = 0; i < 12; ++i) EXPECT_TRUE(ch.command("AT+CFUN?").ok());
    ch.poll(Millis(100));
    EXPECT_GE(urcs, 2);
}

TEST_F(AtPort, QprtparaCountsBackupsAndRefusesOnWipedEfs) {
    auto dev = device();
    {
        auto port = dev.open_at();
        at::AtChannel ch(*port);
        ch.open();
        ch.command_ok("AT+QPRTPARA=1");
        EXPECT_EQ(ch.command_ok("AT+QPRTPARA=4").value("+QPRTPARA:"), "1,0");
    }
    set_state("cfun5");
    EXPECT_FALSE(ask("AT+QPRTPARA=1").ok());
}

TEST_F(AtPort, UbloxModelsAreServedByTheUbloxTarget) {
    auto m = sim::VirtualModule::open(dir_ / "sim", "sara-r5");
    SimDevice dev(m);
    auto port = dev.open_at();
    at::AtChannel ch(*port);
    ch.open(Millis(10000));
    EXPECT_TRUE(ch.command("AT").ok());
}

TEST_F(AtPort, GarbageAndOverlongLinesGetErrorAndThePortKeepsWorking) {
    auto dev = device();
    auto port = dev.open_at();
    std::string junk(10000, 'x');
    junk += '\r';
    junk += std::string("\0\xff\x7e\x01garbage\r", 13);
    port->write(as_bytes(junk), Millis(2000));
    at::AtChannel ch(*port);
    ch.open();
    EXPECT_TRUE(ch.command("AT").ok());
    EXPECT_EQ(ch.command_ok("AT+CFUN?").value("+CFUN:"), "1");
}

// Bad input on the host side (U's channel against our ports and broken peers).
TEST_F(AtPort, ADiagPortIsNotAnAtPort) {
    auto dev = device();
    auto port = dev.open_diag();
    at::AtChannel ch(*port);
    EXPECT_ANY_THROW(ch.open(Millis(2000)));
}

TEST_F(AtPort, AModuleThatNeverAnswersTimesOut) {
    auto [host, peer] = make_socket_pair("silent module");
    at::AtChannel ch(*host);
    EXPECT_THROW(ch.command("AT+CFUN?", Millis(500)), TimeoutError);
}

TEST_F(AtPort, AModuleRebootingMidCommandIsDeviceGone) {
    auto [host, peer] = make_socket_pair("rebooting module");
    std::thread reboot([p = peer.get()] {
        std::uint8_t buf[64];
        p->read(buf, Millis(5000));
        p->write(as_bytes("AT+CFUN?\r\r\n"), Millis(1000));
        p->close();  // gone before the final result
    });
    at::AtChannel ch(*host);
    EXPECT_THROW(ch.command("AT+CFUN?", Millis(5000)), DeviceGoneError);
    reboot.join();
}

}  // namespace
}  // namespace cr::test
