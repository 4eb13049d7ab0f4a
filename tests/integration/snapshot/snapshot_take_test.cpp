// `snapshot` on virtual modules: every partition of the table (NAND MIBIB through the
// programmer's bad-block skipping; GPT plus both GPT copies), erased NAND pages recorded, the
// device identity, settings and calibration from normal mode, atomic commit, verified entries.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "snapshot_fixture.hpp"
#include "src/util/error.hpp"

namespace cr::test {
namespace {

using workflows::snapshot::EntryLayout;
using workflows::snapshot::Role;

bool all_ff(ByteView b) {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0xFF; });
}

bool in_runs(const EntryLayout& l, std::uint64_t sector) {
    for (const auto& r : l.erased)
        if (sector >= r.first && sector < r.first + r.count) return true;
    return false;
}

class SnapshotTake : public SnapshotFixture {};

TEST_F(SnapshotTake, Ec25NandEveryPartitionErasedPagesIdentityAndNormalModeData) {
    auto m = module("ec25");
    SimDevice dev(m);
    fs::path out = dir_ / "ec25.crb";
    auto rep = workflows::take_snapshot(dev, snap_options(out));
    EXPECT_EQ(rep.file, out);
    EXPECT_EQ(rep.storage, "nand");
    EXPECT_EQ(rep.table, "mibib");
    EXPECT_EQ(rep.identity.chip_serial, fmt::format("{:#010x}", m->state().serial));
    ASSERT_FALSE(m->state().imeis.empty());
    EXPECT_EQ(rep.identity.imeis, std::vector<std::string>{m->state().imeis.front()});
    EXPECT_TRUE(rep.settings);
    EXPECT_TRUE(rep.calibration);

    // Every partition of the module's MIBIB, in size; the whole file verifies.
    auto reader = workflows::open_snapshot(out);
    EXPECT_EQ(reader.manifest().kind, archive::BundleKind::snapshot);
    auto session = EdlSession::open(dev, edl());
    const auto& parts = session->partitions().partitions;
    ASSERT_GT(parts.size(), 10u);
    for (const auto& p : parts) {
        const auto* e = reader.find(p.name);
        ASSERT_NE(e, nullptr) << p.name;
        EXPECT_EQ(e->size, p.num_sectors * session->sector_size()) << p.name;
        EntryLayout l = layout(out, p.name);
        EXPECT_EQ(l.region.start_sector, p.start_sector);
        EXPECT_EQ(l.region.pages_per_block, session->pages_per_block());
    }
    EXPECT_EQ(rep.entries.size(), parts.size());  // NAND: no GPT copies

    // modem holds a factory bad block: the programmer skips it, so its last logical block reads
    // erased. Erased runs are exactly the all-0xFF pages, and the bytes are what it reads now.
    const std::string name = "modem";
    Bytes snap = entry(out, name);
    Bytes now;
    session->firehose().read(session->region(session->partition(name)),
                             [&](ByteView d) { now.insert(now.end(), d.begin(), d.end()); });
    EXPECT_TRUE(snap == now);
    EntryLayout l = layout(out, name);
    ASSERT_FALSE(l.erased.empty());
    const std::uint32_t ss = session->sector_size();
    for (std::uint64_t s = 0; s < l.region.num_sectors; ++s)
        ASSERT_EQ(in_runs(l, s), all_ff(ByteView(snap).subspan(s * ss, ss))) << "page " << s;
    auto me = std::find_if(rep.entries.begin(), rep.entries.end(),
                           [&](const auto& e) { return e.name == name; });
    ASSERT_NE(me, rep.entries.end());
    std::uint64_t erased = 0;
    for (const auto& r : l.erased) erased += r.count;
    EXPECT_EQ(me->erased_sectors, erased);
    EXPECT_EQ(me->sha256.size(), 64u);

    // Settings and calibration came from normal mode, as entries of their own.
    Bytes settings = entry(out, "settings.json");
    auto j = nlohmann::json::parse(settings.begin(), settings.end());
    EXPECT_EQ(j["format"], "cellrescue-settings");
    EXPECT_EQ(layout(out, "settings.json").role, Role::settings);
    EXPECT_FALSE(entry(out, "calibration.crb").empty());
}

// The six-LUN UFS module: every LUN's partitions and both GPT copies of each LUN.
TEST_F(SnapshotTake, UfsGptEveryPartitionAndBothGptCopiesOfEveryLun) {
    auto m = module("qcs6490-ufs");
    sim::apply_state(*m, "edl", {});  // in EDL already: no settings, no DIAG calibration
    SimDevice dev(m);
    fs::path out = dir_ / "qcs6490.crb";
    auto rep = workflows::take_snapshot(dev, snap_options(out));
    EXPECT_EQ(rep.table, "gpt");
    EXPECT_FALSE(rep.settings);
    EXPECT_FALSE(rep.calibration);
    ASSERT_FALSE(rep.notes.empty());
    EXPECT_NE(rep.notes.front().find("not in normal mode"), std::string::npos);
    EXPECT_EQ(rep.identity.chip_serial, fmt::format("{:#010x}", m->state().serial));

    auto session = EdlSession::open(dev, edl());
    const std::uint32_t ss = session->sector_size();
    auto reader = workflows::open_snapshot(out);
    for (const auto& p : session->partitions().partitions)
        EXPECT_NE(reader.find(p.name), nullptr) << p.name;
    // Primary: LBA 0 (protective MBR) + header at LBA 1 ("EFI PART"); backup: ends with the
    // backup header in the LUN's last sector.
    Bytes primary = entry(out, "gpt_primary/lun0");
    ASSERT_GE(primary.size(), 2u * ss);
    EXPECT_EQ(std::string(primary.begin() + ss, primary.begin() + ss + 8), "EFI PART");
    EXPECT_EQ(primary[510], 0x55);
    EXPECT_EQ(primary[511], 0xAA);
    Bytes backup = entry(out, "gpt_backup/lun0");
    ASSERT_GE(backup.size(), ss);
    EXPECT_EQ(std::string(backup.end() - ss, backup.end() - ss + 8), "EFI PART");
    EntryLayout bl = layout(out, "gpt_backup/lun0");
    EXPECT_EQ(bl.role, Role::gpt_backup);
    auto info = session->firehose().storage_info(0);
    EXPECT_EQ(bl.region.start_sector + bl.region.num_sectors, info.total_blocks);
    ASSERT_EQ(info.num_physical, 6u);
    for (std::uint32_t lun = 1; lun < info.num_physical; ++lun) {
        EntryLayout b = layout(out, fmt::format("gpt_backup/lun{}", lun));
        EXPECT_EQ(b.region.physical_partition, lun);
        EXPECT_EQ(b.region.start_sector + b.region.num_sectors,
                  session->firehose().storage_info(lun).total_blocks);
    }
    EXPECT_EQ(reader.find("modemst1") != nullptr, true);  // the calibration on LUN 4
    EXPECT_EQ(layout(out, "modemst1").region.physical_partition, 4u);
    EXPECT_EQ(rep.entries.size(), session->partitions().partitions.size() + 2 * 6);
    EXPECT_TRUE(bl.erased.empty());  // erased pages are a NAND notion
}

// The module's EDL port as after a USB disconnect once `budget` bytes have come in: every
// later read or write fails as a gone device does.
class DroppingTransport : public Transport {
  public:
    DroppingTransport(std::unique_ptr<Transport> inner, std::uint64_t budget)
        : inner_(std::move(inner)), budget_(budget) {}
    void write(ByteView data, Millis timeout) override {
        if (gone_) throw DeviceGoneError("virtual disconnect");
        inner_->write(data, timeout);
    }
    std::size_t read(std::span<std::uint8_t> buf, Millis timeout) override {
        if (gone_) throw DeviceGoneError("virtual disconnect");
        std::size_t n = inner_->read(buf, timeout);
        if ((got_ += n) > budget_) gone_ = true;
        return n;
    }
    std::size_t max_transfer_size() const override { return inner_->max_transfer_size(); }
    void close() override { inner_->close(); }
    std::string description() const override { return inner_->description(); }

  private:
    std::unique_ptr<Transport> inner_;
    std::uint64_t budget_, got_ = 0;
    bool gone_ = false;
};

class DroppingDevice : public Device {
  public:
    DroppingDevice(Device& inner, std::uint64_t budget) : inner_(inner), budget_(budget) {}
    std::string name() const override { return inner_.name(); }
    bool is_virtual() const override { return true; }
    DeviceMode mode() override { return inner_.mode(); }
    using Device::open_edl;
    std::unique_ptr<Transport> open_edl(const EdlPortOptions& o) override {
        return std::make_unique<DroppingTransport>(inner_.open_edl(o), budget_);
    }
    std::unique_ptr<Transport> open_diag() override { return inner_.open_diag(); }
    std::unique_ptr<Transport> open_at() override { return inner_.open_at(); }
    void wait_for_mode(DeviceMode m, Millis t) override { inner_.wait_for_mode(m, t); }

  private:
    Device& inner_;
    std::uint64_t budget_;
};

TEST_F(SnapshotTake, AModuleThatDropsOutLeavesNoFileUnderTheFinalName) {
    auto m = module("ec25");
    sim::apply_state(*m, "edl", {});
    SimDevice sim_dev(m);
    DroppingDevice dev(sim_dev, 100u << 20);  // mid-way through the 512 MiB
    fs::path out = dir_ / "out" / "ec25.crb";
    fs::create_directories(out.parent_path());
    try {
        workflows::take_snapshot(dev, snap_options(out));
        ADD_FAILURE() << "the snapshot did not notice the module dropping out";
    } catch (const DeviceGoneError&) {
    }
    EXPECT_FALSE(fs::exists(out));
    for (const auto& f : fs::directory_iterator(out.parent_path()))
        ADD_FAILURE() << "left behind: " << f.path();
    // The same with the output in the store (default name): nothing there either.
    auto o = snap_options(out);
    o.output.reset();
    DroppingDevice again(sim_dev, 30u << 20);
    sim::apply_state(*m, "edl", {});
    EXPECT_THROW(workflows::take_snapshot(again, o), DeviceGoneError);
    std::error_code ec;
    for (const auto& f : fs::recursive_directory_iterator(dir_ / "backups", ec))
        if (f.path().string().find("snapshot") != std::string::npos)
            ADD_FAILURE() << "left behind: " << f.path();
}

TEST_F(SnapshotTake, AProgrammerAlreadyRunningIsNamedByItsBusSerial) {
    auto m = module("ec25");
    sim::apply_state(*m, "edl", {});
    SimDevice dev(m);
    { auto s = EdlSession::open(dev, edl()); }  // the programmer now runs: no Sahara next time
    ASSERT_TRUE(m->state().firehose_running);
    auto o = snap_options(dir_ / "a.crb");
    o.progress = {};
    auto rep = workflows::take_snapshot(dev, o);
    EXPECT_EQ(rep.identity.chip_serial, fmt::format("{:#010x}", m->state().serial));
}

}  // namespace
}  // namespace cr::test
