// `snapshot restore` on virtual modules: the same device only (another one refused, or with
// --other-device restore's IMEI rules), NAND blocks erased and erased pages never programmed,
// every entry read back; a damaged snapshot refused before the device is touched; a block that
// went bad since the dump reported.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "sim/firehose/target_storage.hpp"
#include "snapshot_fixture.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr::test {
namespace {

class SnapshotRestore : public SnapshotFixture {
  protected:
    // Digest of every image file of the virtual modules: "nothing was written" checks.
    std::string images() const {
        std::string all;
        for (const auto& e : fs::recursive_directory_iterator(dir_ / "sim"))
            if (e.is_regular_file() && e.path().extension() == ".img")
                all += file_digest_hex(e.path(), Digest::Algorithm::sha256);
        return all;
    }
    fs::path snapshot_in_edl(const std::string& id, const std::string& name) {
        auto m = sim::VirtualModule::open(dir_ / "sim", id);
        sim::apply_state(*m, "edl", {});
        SimDevice dev(m);
        fs::path out = dir_ / name;
        workflows::take_snapshot(dev, snap_options(out));
        return out;
    }
    static void scribble(Device& dev, const EdlOptions& o, const std::string& partition) {
        auto s = EdlSession::open(dev, o);
        const auto& p = s->partition(partition);
        Bytes junk(s->sector_size() * 8, 0x5A);
        auto r = s->region(p, 0, 8);
        s->firehose().erase(s->region(p));
        s->firehose().program(r, junk.size(),
                              [&, off = std::size_t(0)](std::span<std::uint8_t> o) mutable {
                                  std::size_t n = std::min(o.size(), junk.size() - off);
                                  std::copy_n(junk.begin() + off, n, o.begin());
                                  off += n;
                                  return n;
                              });
    }
    const workflows::RestoredEntry* find(const workflows::SnapshotRestoreReport& r,
                                         const std::string& name) {
        for (const auto& e : r.entries)
            if (e.name == name) return &e;
        return nullptr;
    }
};

TEST_F(SnapshotRestore, SameNandDeviceEveryPartitionErasedPagesSkippedAndVerified) {
    auto m = module("ec25");
    fs::path snap = snapshot_in_edl("ec25", "ec25.crb");
    SimDevice dev(m);
    scribble(dev, edl(), "efs2");
    scribble(dev, edl(), "modem");
    ASSERT_FALSE(read_now(dev, edl(), "efs2") == entry(snap, "efs2"));

    auto o = restore_options();
    o.reset = false;  // stay in EDL to read back
    auto rep = workflows::restore_snapshot(dev, snap, o);
    EXPECT_TRUE(rep.ok()) << workflows::describe(rep);
    auto reader = workflows::open_snapshot(snap);
    std::size_t on_device = 0;
    for (const auto& e : reader.manifest().entries)
        on_device += e.name.find('.') == std::string::npos;
    EXPECT_EQ(rep.entries.size(), on_device);
    for (const auto& e : rep.entries) {
        EXPECT_TRUE(e.verified) << e.name << ": " << e.error;
        EXPECT_TRUE(e.erased_first) << e.name;
    }
    const auto* modem = find(rep, "modem");
    ASSERT_NE(modem, nullptr);
    auto l = layout(snap, "modem");
    std::uint64_t erased = 0;
    for (const auto& r : l.erased) erased += r.count;
    EXPECT_GT(erased, 0u);
    EXPECT_EQ(modem->skipped_erased, erased);
    EXPECT_EQ(modem->programmed_sectors + erased, l.region.num_sectors);
    // No page was programmed with all-0xFF data (it would no longer read as erased to UBI/EFS2).
    EXPECT_TRUE(sim::blank_programmed_pages(m->state()).empty());
    EXPECT_TRUE(read_now(dev, edl(), "efs2") == entry(snap, "efs2"));
    EXPECT_TRUE(read_now(dev, edl(), "modem") == entry(snap, "modem"));
}

TEST_F(SnapshotRestore, ADamagedSnapshotIsRefusedBeforeTheDeviceIsTouched) {
    auto m = module("ec25");
    fs::path snap = snapshot_in_edl("ec25", "ec25.crb");
    sim::apply_state(*m, "normal", {});
    SimDevice dev(m);
    const std::string before = images();
    auto size = fs::file_size(snap);

    fs::path truncated = dir_ / "truncated.crb";
    fs::copy_file(snap, truncated);
    fs::resize_file(truncated, size - 1000);
    fs::path flipped = dir_ / "flipped.crb";
    fs::copy_file(snap, flipped);
    {
        std::fstream f(flipped, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(size / 2));
        char c = 0;
        f.read(&c, 1);
        f.seekp(static_cast<std::streamoff>(size / 2));
        c = static_cast<char>(c ^ 0x10);
        f.write(&c, 1);
    }
    for (const auto& bad : {truncated, flipped}) {
        try {
            workflows::restore_snapshot(dev, bad, restore_options());
            ADD_FAILURE() << bad << " was accepted";
        } catch (const Error& e) {
            EXPECT_TRUE(e.kind() == ErrorKind::bad_input || e.kind() == ErrorKind::verify)
                << e.what();
        }
        EXPECT_EQ(dev.mode(), DeviceMode::normal) << "the module was switched to EDL";
    }
    EXPECT_EQ(images(), before);
    // A partition it does not hold: refused before the device too.
    auto o = restore_options();
    o.only = {"efs2", "nosuch"};
    EXPECT_THROW(workflows::restore_snapshot(dev, snap, o), NotFoundError);
    EXPECT_EQ(dev.mode(), DeviceMode::normal);
}

TEST_F(SnapshotRestore, AnotherDevicesSnapshotFollowsTheImeiRules) {
    auto mine = module("ec25");
    sim::apply_state(*mine, "edl", {});
    fs::path donor = snapshot_in_edl("ec25#2", "donor.crb");
    SimDevice dev(mine);
    const std::string before = images();
    auto o = restore_options();
    o.only = {"efs2", "misc"};
    o.reset = false;
    EXPECT_THROW(workflows::restore_snapshot(dev, donor, o), SafetyError);
    EXPECT_EQ(images(), before);

    // --imei: Luhn-checked, never the donor's, only with --other-device; all before the device.
    o.other_device = true;
    auto donor_imei = archive::BundleReader::open(donor, archive::BundleReader::Check::manifest)
                          .manifest()
                          .identity.imeis;
    o.imeis.imei = "867535426467518";  // Luhn fails
    EXPECT_THROW(workflows::restore_snapshot(dev, donor, o), UsageError);
    if (!donor_imei.empty()) {
        o.imeis.imei = donor_imei.front();
        EXPECT_THROW(workflows::restore_snapshot(dev, donor, o), SafetyError);
    }
    o.imeis.imei = mine->state().imeis.front();
    EXPECT_THROW(workflows::restore_snapshot(dev, donor, o), UsageError);  // needs the reset
    EXPECT_EQ(images(), before);

    // --other-device without --imei: the donor's calibration stays out.
    o.imeis = {};
    auto rep = workflows::restore_snapshot(dev, donor, o);
    ASSERT_EQ(rep.entries.size(), 1u);
    EXPECT_EQ(rep.entries[0].name, "misc");
    EXPECT_TRUE(rep.entries[0].verified);
    ASSERT_EQ(rep.skipped.size(), 1u);
    EXPECT_NE(rep.skipped[0].find("efs2"), std::string::npos);
    EXPECT_FALSE(read_now(dev, edl(), "efs2") == entry(donor, "efs2"));

    // With this module's own IMEI: its calibration is backed up, the donor's efs2 written, and
    // the IMEI corrected to this module's own after the reset.
    const std::string own = mine->state().imeis.front();
    o.only = {"efs2"};
    o.imeis.imei = own;
    o.reset = true;
    o.restore_settings = false;
    rep = workflows::restore_snapshot(dev, donor, o);
    EXPECT_TRUE(rep.ok()) << workflows::describe(rep);
    ASSERT_TRUE(rep.own_calibration);
    EXPECT_TRUE(fs::exists(*rep.own_calibration));
    ASSERT_EQ(rep.entries.size(), 1u);
    EXPECT_TRUE(rep.entries[0].verified);
    EXPECT_EQ(rep.imeis_after, std::vector<std::string>{own});
}

// A device that counts how often its EDL port was opened (the switch to EDL is visible there).
class EdlCounting : public Device {
  public:
    explicit EdlCounting(Device& inner) : inner_(inner) {}
    std::string name() const override { return inner_.name(); }
    bool is_virtual() const override { return inner_.is_virtual(); }
    DeviceMode mode() override {
        DeviceMode m = inner_.mode();
        if (m == DeviceMode::edl) ++edl_seen;
        return m;
    }
    std::unique_ptr<Transport> open_edl(const EdlPortOptions& o) override {
        ++edl_opened;
        return inner_.open_edl(o);
    }
    std::unique_ptr<Transport> open_diag() override { return inner_.open_diag(); }
    std::unique_ptr<Transport> open_at() override { return inner_.open_at(); }
    std::string edl_serial() override { return inner_.edl_serial(); }
    void wait_for_mode(DeviceMode m, Millis t) override { inner_.wait_for_mode(m, t); }
    int edl_opened = 0, edl_seen = 0;

  private:
    Device& inner_;
};

// In normal mode the module's IMEI is known: another module's snapshot is refused there,
// before the switch to EDL; the module's own snapshot still goes on to EDL (and its chip-serial
// check).
TEST_F(SnapshotRestore, AnotherModulesSnapshotIsRefusedInNormalModeBeforeEdl) {
    auto mine = module("ec25");
    fs::path donor = dir_ / "donor.crb";
    {
        auto d = sim::VirtualModule::open(dir_ / "sim", "ec25#2");
        SimDevice dd(d);
        auto rep = workflows::take_snapshot(dd, snap_options(donor));
        ASSERT_FALSE(rep.identity.imeis.empty());
        ASSERT_NE(rep.identity.imeis, mine->state().imeis);
    }
    SimDevice sim_dev(mine);
    EdlCounting dev(sim_dev);
    ASSERT_EQ(dev.mode(), DeviceMode::normal);
    const std::string before = images();
    auto o = restore_options();
    o.only = {"misc"};
    try {
        workflows::restore_snapshot(dev, donor, o);
        ADD_FAILURE() << "another module's snapshot was accepted";
    } catch (const SafetyError& e) {
        EXPECT_NE(std::string(e.what()).find(mine->state().imeis.front()), std::string::npos)
            << e.what();
        EXPECT_NE(e.device_state().find("never switched to EDL"), std::string::npos)
            << e.device_state();
    }
    EXPECT_EQ(dev.edl_opened, 0);
    EXPECT_EQ(dev.edl_seen, 0);
    EXPECT_EQ(dev.mode(), DeviceMode::normal);
    EXPECT_EQ(images(), before);

    // Its own snapshot (IMEI shared) passes the normal-mode check and is restored in EDL.
    fs::path own = dir_ / "own.crb";
    workflows::take_snapshot(sim_dev, snap_options(own));
    sim::apply_state(*mine, "normal", {});  // power-cycled: the snapshot leaves it in EDL
    ASSERT_EQ(dev.mode(), DeviceMode::normal);
    dev.edl_seen = 0;
    o.restore_settings = false;
    auto rep = workflows::restore_snapshot(dev, own, o);
    EXPECT_TRUE(rep.ok()) << workflows::describe(rep);
    EXPECT_GT(dev.edl_opened, 0);
}

TEST_F(SnapshotRestore, ABlockThatWentBadSinceTheDumpIsReported) {
    auto m = module("ec25");
    sim::apply_state(*m, "edl", {});
    SimDevice dev(m);
    const std::uint32_t ppb = m->model().pages_per_block;
    {  // misc's last block erased: a block going bad there only loses erased pages
        auto s = EdlSession::open(dev, edl());
        const auto& p = s->partition("misc");
        s->firehose().erase(s->region(p, p.num_sectors - ppb, ppb));
    }
    fs::path snap = dir_ / "ec25.crb";
    workflows::take_snapshot(dev, snap_options(snap));
    ASSERT_FALSE(layout(snap, "misc").erased.empty());

    auto bad = sim::bad_blocks(m->state());
    for (const char* name : {"misc", "modem"}) {
        const auto* p = sim::find_partition(m->model(), name);
        std::uint64_t b = p->start_sector / ppb + 1;
        while (bad.count(b)) ++b;
        bad.insert(b);
    }
    sim::set_bad_blocks(*m, bad);

    auto o = restore_options();
    o.only = {"misc", "modem"};
    o.reset = false;
    auto rep = workflows::restore_snapshot(dev, snap, o);
    EXPECT_FALSE(rep.ok());
    const auto* misc = find(rep, "misc");
    const auto* modem = find(rep, "modem");
    ASSERT_TRUE(misc && modem);
    EXPECT_TRUE(misc->verified) << misc->error;  // its data still fits the good blocks
    EXPECT_FALSE(modem->verified);
    EXPECT_NE(modem->error.find("gone bad"), std::string::npos) << modem->error;
    EXPECT_NE(workflows::describe(rep).find("1 FAILED"), std::string::npos)
        << workflows::describe(rep);
    EXPECT_TRUE(read_now(dev, edl(), "misc") == entry(snap, "misc"));
}

}  // namespace
}  // namespace cr::test
