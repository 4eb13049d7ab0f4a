// Referee for `snapshot export --rawprogram`: Debian's qdl flashes the exported rawprogram0.xml
// + patch0.xml + images onto the virtual NAND module on emulated USB, and the partitions then
// read back byte-exact as in the snapshot; erased pages stay erased (never programmed). The
// whole set is exported (every partition of the MIBIB, the partition table's own included) and
// every partition is wiped first, so qdl has to write all of it back. qdl (2022) moves about
// 1.7 MB/s on emulated USB (docs/performance.md) and the virtual EC25 holds 503 MiB of written
// pages (~5 min of qdl), so before the snapshot the large partitions are erased except for
// their first and last two blocks (efs2, sbl and mibib stay whole): every partition is still
// written, most with two runs: the second after an erased gap, from its own image file (qdl
// 1.0+git20220718 ignores file_sector_offset: it flashed such runs from the file's start).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sim/core/provisioning.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "sim/firehose/target_storage.hpp"
#include "src/archive/bundle.hpp"
#include "src/device/sim_device.hpp"
#include "src/util/digest.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "src/workflows/snapshot/snapshot.hpp"
#include "src/workflows/snapshot/snapshot_export.hpp"
#include "tests/usb/test_dir.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {
namespace {

namespace fs = std::filesystem;

std::pair<int, std::string> run_child(const std::string& command) {
    std::string out;
    FILE* p = ::popen(("timeout 300 " + command + " 2>&1").c_str(), "r");
    if (!p) return {-1, out};
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int st = ::pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class QdlSnapshotTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!UsbTestbed::under_preload()) GTEST_SKIP() << "run under umockdev-wrapper";
        if (::access("/usr/bin/qdl", X_OK) != 0) GTEST_SKIP() << "Debian qdl not installed";
        bed = std::make_unique<UsbTestbed>();
        dir = fresh_test_dir("cr-usb-qdl-snapshot");
    }
    void TearDown() override {
        bed.reset();
        fs::remove_all(dir);
    }
    std::unique_ptr<UsbTestbed> bed;
    fs::path dir;
};

TEST_F(QdlSnapshotTest, QdlFlashesTheExportedSetByteExact) {
    auto m = sim::VirtualModule::open(dir / "sim", "ec25");
    sim::apply_state(*m, "edl", {});
    fs::path prog = dir / m->model().programmer_name;
    Bytes p = sim::make_virtual_programmer(
        {m->model().msm_hw_id, m->state().pk_hash_hex, m->model().id}, 256 * 1024);
    std::ofstream(prog, std::ios::binary)
        .write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size()));
    EdlOptions edl;
    edl.programmer = prog;
    edl.programmer_dir = dir / "programmers";

    SimDevice dev(m);
    const std::uint32_t ppb = m->model().pages_per_block;
    {  // misc's last block erased: the export must leave it erased; large partitions trimmed
        auto s = EdlSession::open(dev, edl);
        const auto& misc = s->partition("misc");
        s->firehose().erase(s->region(misc, misc.num_sectors - ppb, ppb));
        for (const auto& part : s->partitions().partitions) {
            if (part.name == "efs2" || part.name == "sbl" || part.name == "mibib" ||
                part.num_sectors <= 8 * ppb)
                continue;
            s->firehose().erase(s->region(part, 2 * ppb, part.num_sectors - 4 * ppb));
        }
    }
    workflows::SnapshotOptions so;
    so.output = dir / "ec25.crb";
    so.store_dir = dir / "backups";
    so.edl = edl;
    auto snap = workflows::take_snapshot(dev, so);
    std::vector<std::string> names;
    {  // what qdl must put back: every partition wiped
        auto s = EdlSession::open(dev, edl);
        for (const auto& part : s->partitions().partitions) {
            s->firehose().erase(s->region(part));
            names.push_back(part.name);
        }
    }
    ASSERT_GT(names.size(), 10u);
    ASSERT_EQ(snap.entries.size(), names.size());  // NAND: partitions only, no GPT copies
    auto exported = workflows::export_rawprogram(*so.output, dir / "export");
    EXPECT_EQ(exported.erases, names.size());
    // One image per program (qdl ignores file_sector_offset); trimmed partitions have two.
    EXPECT_EQ(exported.images.size(), exported.programs);
    EXPECT_GT(exported.programs, names.size());

    sim::apply_state(*m, "edl", {});  // power-cycled into EDL: Sahara again, for qdl
    bed->add_edl(m, "1-1", NodeMode::regular);
    auto [status, output] =
        run_child("sh -c 'cd " + (dir / "export").string() + " && qdl --storage nand " +
                  prog.string() + " rawprogram0.xml patch0.xml'");
    ASSERT_EQ(status, 0) << output.substr(0, 4000);
    EXPECT_TRUE(sim::blank_programmed_pages(m->state()).empty())
        << "qdl programmed erased pages: the export did not skip them";

    sim::apply_state(*m, "edl", {});
    auto s = EdlSession::open(dev, edl);
    auto reader = archive::BundleReader::open(*so.output, archive::BundleReader::Check::manifest);
    std::size_t checked = 0;
    for (const auto& e : snap.entries) {
        const auto* be = reader.find(e.name);
        ASSERT_NE(be, nullptr);
        Digest d(Digest::Algorithm::sha256);
        s->firehose().read(s->region(s->partition(e.name)), [&](ByteView b) { d.update(b); });
        EXPECT_EQ(d.finish_hex(), be->sha256) << e.name << " differs after qdl";
        ++checked;
    }
    EXPECT_EQ(checked, names.size());
}

}  // namespace
}  // namespace cr::usbtest
