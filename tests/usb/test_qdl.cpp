// Referee: Debian's qdl (Linaro's Sahara/Firehose host, no code of ours) against the virtual EDL
// device on emulated USB. If qdl uploads the programmer byte-exact through our Sahara target and
// gets ACKs from our Firehose target, the virtual module behaves like real hardware to a peer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sim/core/model_catalog.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/device/device.hpp"
#include "src/util/digest.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "tests/usb/test_dir.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {
namespace {

struct ChildRun {
    int status = -1;
    std::string output;
};

// Runs a shell command (bounded by `timeout`), output and errors captured. The child inherits
// LD_PRELOAD and UMOCKDEV_DIR, so it sees the test bed.
ChildRun run_child(const std::string& command) {
    ChildRun r;
    FILE* p = ::popen(("timeout 60 " + command + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// One program entry (qdl detects the XML type from its first element) writing misc.bin.
void write_program_xml(const std::filesystem::path& dir, std::uint64_t start) {
    Bytes data(2 * 4096, 0x5a);
    std::ofstream(dir / "misc.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()),
               static_cast<std::streamsize>(data.size()));
    std::ofstream(dir / "rawprogram0.xml")
        << "<?xml version=\"1.0\" ?>\n<data>\n  <program SECTOR_SIZE_IN_BYTES=\"4096\" "
           "file_sector_offset=\"0\" filename=\"misc.bin\" label=\"misc\" "
           "num_partition_sectors=\"2\" physical_partition_number=\"0\" start_sector=\""
        << start << "\" />\n</data>\n";
}

bool have_qdl() {
    return ::access("/usr/bin/qdl", X_OK) == 0;
}

class QdlRefereeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbTestbed::under_preload()) GTEST_SKIP() << "run under umockdev-wrapper";
        if (!have_qdl()) GTEST_SKIP() << "Debian qdl not installed (apt-get install qdl)";
        bed = std::make_unique<UsbTestbed>();
        dir = fresh_test_dir("cr-usb-qdl");
    }
    void TearDown() override {
        bed.reset();
        std::filesystem::remove_all(dir);
    }
    std::filesystem::path write_programmer(const sim::VirtualModule& m, std::size_t size) {
        Bytes prog = sim::make_virtual_programmer(
            {m.model().msm_hw_id, m.state().pk_hash_hex, m.model().id}, size);
        auto path = dir / m.model().programmer_name;
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(prog.data()),
                   static_cast<std::streamsize>(prog.size()));
        programmer_sha = sha256_hex(prog);
        return path;
    }
    std::unique_ptr<UsbTestbed> bed;
    std::filesystem::path dir;
    std::string programmer_sha;
};

// qdl wants a programmer plus at least one rawprogram/patch pair: write 2 sectors into `system`
// (LUN 0) of the UFS module.
// qdl ends each XML command with "\n" in the same transfer; the bytes of that transfer after
// `</data>` must not become raw data (the first byte written was once that newline).
TEST_F(QdlRefereeTest, UploadsByteExactGetsConfigureAckAndFlashes) {
    auto m = sim::VirtualModule::open(dir / "sim", "qcs6490-ufs");  // GPT UFS
    sim::apply_state(*m, "edl", {});
    bed->add_edl(m, "1-1", NodeMode::regular);  // qdl read()s the usbfs node
    auto prog = write_programmer(*m, 1 << 20);
    const auto* misc = sim::find_partition(m->model(), "system");  // LUN 0
    ASSERT_NE(misc, nullptr);
    Bytes image(2 * 4096);
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(i * 31 + 7);
    std::ofstream(dir / "misc.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data()),
               static_cast<std::streamsize>(image.size()));
    std::ofstream(dir / "rawprogram0.xml")
        << "<?xml version=\"1.0\" ?>\n<data>\n  <program SECTOR_SIZE_IN_BYTES=\"4096\" "
           "file_sector_offset=\"0\" filename=\"misc.bin\" label=\"system\" "
           "num_partition_sectors=\"2\" physical_partition_number=\"0\" start_sector=\""
        << misc->start_sector << "\" />\n</data>\n";
    std::ofstream(dir / "patch0.xml") << "<?xml version=\"1.0\" ?>\n<patches>\n</patches>\n";
    ChildRun r = run_child("sh -c 'cd " + dir.string() + " && qdl --debug --storage ufs " +
                           prog.string() + " rawprogram0.xml patch0.xml'");
    auto s = m->state();
    auto sahara = s.extra.contains("sahara") ? s.extra["sahara"] : nlohmann::json::object();
    EXPECT_EQ(sahara.value("last_programmer_sha256", ""), programmer_sha) << r.output;
    EXPECT_EQ(sahara.value("last_programmer_size", 0), 1 << 20);
    // qdl logs every Firehose document it writes and reads.
    auto configure = r.output.find("<configure");
    ASSERT_NE(configure, std::string::npos) << r.output;
    EXPECT_NE(r.output.find("value=\"ACK\"", configure), std::string::npos) << r.output;
    // What qdl flashed is in the module's storage, byte for byte.
    Bytes back(image.size());
    m->storage().read(misc->start_sector, back);
    EXPECT_EQ(back, image) << r.output.substr(0, 4000);
}

// NAND (EC25, 9x07): qdl's 1 MiB configure is NAKed with the 8192-byte offer and qdl configures
// again; the rawprogram entry carries label, PAGES_PER_BLOCK and last_sector like Quectel's. After
// qdl resets the module, our own libusb Firehose client reads `misc` back through the MIBIB.
TEST_F(QdlRefereeTest, FlashesNandThenOurClientReadsTheSameBytesBack) {
    auto m = sim::VirtualModule::open(dir / "sim", "ec25");
    sim::apply_state(*m, "edl", {});
    bed->add_edl(m, "1-1", NodeMode::regular);
    auto prog = write_programmer(*m, 256 * 1024);
    const auto* misc = sim::find_partition(m->model(), "misc");
    ASSERT_NE(misc, nullptr);
    const std::uint32_t ss = m->model().sector_size;
    Bytes image(3 * ss);
    for (std::size_t i = 0; i < image.size(); ++i)
        image[i] = static_cast<std::uint8_t>(i * 13 + (i >> 9));
    std::ofstream(dir / "misc.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data()),
               static_cast<std::streamsize>(image.size()));
    std::ofstream(dir / "rawprogram_nand.xml")
        << "<?xml version=\"1.0\" ?>\n<data>\n  <program PAGES_PER_BLOCK=\""
        << m->model().pages_per_block << "\" SECTOR_SIZE_IN_BYTES=\"" << ss
        << "\" filename=\"misc.bin\" label=\"misc\" last_sector=\""
        << misc->start_sector + misc->num_sectors - 1
        << "\" num_partition_sectors=\"3\" physical_partition_number=\"0\" start_sector=\""
        << misc->start_sector << "\" />\n</data>\n";
    std::ofstream(dir / "patch_nand.xml") << "<?xml version=\"1.0\" ?>\n<patches>\n</patches>\n";
    ChildRun r = run_child("sh -c 'cd " + dir.string() + " && qdl --debug --storage nand " +
                           prog.string() + " rawprogram_nand.xml patch_nand.xml'");
    auto configure = r.output.find("<configure");
    ASSERT_NE(configure, std::string::npos) << r.output;
    EXPECT_NE(r.output.find("MaxPayloadSizeToTargetInBytes=\"8192\"", configure), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("value=\"ACK\"", configure), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("flashed \"misc\" successfully"), std::string::npos) << r.output;
    EXPECT_EQ(m->state().mode, sim::Mode::normal) << r.output;  // qdl's power reset

    sim::apply_state(*m, "edl", {});
    auto dev = open_real_device({DeviceSpec::Kind::usb_path, "1-1"});
    ASSERT_EQ(dev->mode(), DeviceMode::edl);
    EdlOptions options;
    options.programmer = prog;
    options.programmer_dir = dir / "programmers";
    auto session = EdlSession::open(*dev, options);
    auto region = session->region(session->partition("misc"), 0, 3);
    Bytes back;
    session->firehose().read(region,
                             [&](ByteView b) { back.insert(back.end(), b.begin(), b.end()); });
    EXPECT_EQ(back, image) << r.output.substr(0, 4000);
    session->reset();
}

TEST_F(QdlRefereeTest, UploadsTheProgrammerByteExactThroughOurSaharaTarget) {
    auto m = sim::VirtualModule::open(dir / "sim", "qcs6490-ufs");
    sim::apply_state(*m, "edl", {});
    bed->add_edl(m, "1-1", NodeMode::regular);
    auto prog = write_programmer(*m, 1 << 20);
    write_program_xml(dir, sim::find_partition(m->model(), "userdata")->start_sector);
    std::ofstream(dir / "patch0.xml") << "<?xml version=\"1.0\" ?>\n<patches>\n</patches>\n";
    ChildRun r = run_child("sh -c 'cd " + dir.string() + " && qdl --debug --storage ufs " +
                           prog.string() + " rawprogram0.xml patch0.xml'");
    auto s = m->state();
    auto sahara = s.extra.contains("sahara") ? s.extra["sahara"] : nlohmann::json::object();
    EXPECT_EQ(sahara.value("last_programmer_sha256", ""), programmer_sha) << r.output;
    EXPECT_EQ(sahara.value("last_programmer_size", 0), 1 << 20);
    EXPECT_NE(r.output.find("END OF IMAGE image: 13 status: 0"), std::string::npos) << r.output;
    // qdl ran its whole Firehose session and ended it with <power value="reset"/>: the programmer
    // is gone and the module booted normally.
    EXPECT_NE(r.output.find("<power value=\"reset\"/>"), std::string::npos) << r.output;
    EXPECT_FALSE(s.firehose_running) << r.output;
    EXPECT_EQ(s.mode, sim::Mode::normal) << r.output;
}

TEST_F(QdlRefereeTest, RejectsAProgrammerForAnotherChipLikeSecureBoot) {
    auto m = sim::VirtualModule::open(dir / "sim", "rm520n");
    sim::apply_state(*m, "edl", {});
    auto other = sim::VirtualModule::open(dir / "sim", "ec25");
    bed->add_edl(m, "1-1", NodeMode::regular);
    auto prog = write_programmer(*other, 64 * 1024);
    write_program_xml(dir, 91494);
    std::ofstream(dir / "patch0.xml") << "<?xml version=\"1.0\" ?>\n<patches>\n</patches>\n";
    ChildRun r = run_child("sh -c 'cd " + dir.string() + " && qdl --storage ufs " + prog.string() +
                           " rawprogram0.xml patch0.xml'");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("HELLO"), std::string::npos) << r.output;  // it got as far as Sahara
    EXPECT_FALSE(m->state().firehose_running);
}

}  // namespace
}  // namespace cr::usbtest
